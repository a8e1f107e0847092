package dev.chat.notification.decision;

import java.util.List;
import java.util.UUID;

/**
 * A message waiting for its push decision, as kept in the {@code push-pending} state store (and its
 * changelog topic): who still gets a push unless one of their devices acks it before {@code deadline},
 * and what the push shows. Only what an alert needs of the message is kept.
 *
 * @param users      recipients who want a push and have acked/read nothing covering {@code seq} yet
 * @param content    the first {@code chat.push.preview-length} characters of the content
 * @param truncated  whether the content was longer
 * @param deadline   epoch millis: when the decision is due (the event's broker timestamp + grace period,
 *                   later when a send must be retried)
 * @param receivedAt epoch millis: the event's broker timestamp, for {@code chat.push.max-age}
 */
public record PendingPush(
        UUID conversationId,
        long seq,
        UUID messageId,
        String senderId,
        String senderName,
        String messageType,
        String content,
        boolean truncated,
        String conversationType,
        String conversationTitle,
        List<String> users,
        long deadline,
        long receivedAt) {

    public PendingPush {
        users = List.copyOf(users);
    }

    /** The store key: conversation, then seq zero-padded, so that one conversation's entries are a key range in seq order. */
    public String key() {
        return key(conversationId, seq);
    }

    public static String key(UUID conversationId, long seq) {
        return conversationId + "/" + String.format("%019d", seq);
    }

    PendingPush withUsers(List<String> remaining) {
        return new PendingPush(conversationId, seq, messageId, senderId, senderName, messageType, content, truncated,
                conversationType, conversationTitle, remaining, deadline, receivedAt);
    }

    PendingPush withDeadline(long newDeadline) {
        return new PendingPush(conversationId, seq, messageId, senderId, senderName, messageType, content, truncated,
                conversationType, conversationTitle, users, newDeadline, receivedAt);
    }

    PendingPush withContent(String newType, String newContent, boolean newTruncated) {
        return new PendingPush(conversationId, seq, messageId, senderId, senderName, newType, newContent, newTruncated,
                conversationType, conversationTitle, users, deadline, receivedAt);
    }
}
