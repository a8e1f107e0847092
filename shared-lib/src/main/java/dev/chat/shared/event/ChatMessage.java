package dev.chat.shared.event;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The Message object of the public contract (API.md), as clients receive it over REST, WebSocket
 * and in events. Every field is always present: null or an empty list when there is nothing.
 */
public record ChatMessage(
        UUID id,
        UUID conversationId,
        long seq,
        String senderId,
        String senderName,
        UUID clientMessageId,
        String type,
        String content,
        List<Attachment> attachments,
        UUID replyToId,
        List<Mention> mentions,
        Instant createdAt,
        Instant editedAt,
        boolean deleted) {

    public ChatMessage {
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
        mentions = mentions == null ? List.of() : List.copyOf(mentions);
    }

    /** Metadata of a file the client uploaded elsewhere; the chat backend stores no media. */
    public record Attachment(String url, String mimeType, long sizeBytes, String name, Integer width, Integer height,
            Long durationMs) {
    }

    /** A user mentioned at [offset, offset + length) of the content. */
    public record Mention(String userId, int offset, int length) {
    }
}
