package dev.chat.message.conversation;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.chat.shared.event.ChatMessage;

/**
 * The Conversation object of the public contract, as seen by one user ({@code unread_count},
 * {@code my_*} and {@code muted_until} are that user's). {@code participants} is null above
 * the listing limit; {@code participant_count} is always exact.
 *
 * <p>In a {@code conversation.updated} event one object serves every recipient, so the
 * caller-specific fields are null there ({@link #forEveryone()}); in REST responses they are always set
 * ({@code muted_until} may be null: not muted). {@code notify} ({@code notifyLevel}: {@code notify} is taken by Object) is the caller's effective level: what
 * they chose, else the default for the conversation's size ({@link NotifyLevel}).
 */
public record ConversationView(
        UUID id,
        String type,
        String title,
        String createdBy,
        Instant createdAt,
        List<Participant> participants,
        int participantCount,
        long lastSeq,
        ChatMessage lastMessage,
        Instant lastActivityAt,
        Long unreadCount,
        Long myDeliveredSeq,
        Long myReadSeq,
        Instant mutedUntil,
        @JsonProperty("notify") String notifyLevel) {

    public record Participant(String userId, String role, Instant joinedAt) {
    }

    /** The same conversation without anyone's own fields. */
    ConversationView forEveryone() {
        return new ConversationView(id, type, title, createdBy, createdAt, participants, participantCount, lastSeq,
                lastMessage, lastActivityAt, null, null, null, null, null);
    }
}
