package dev.chat.message.message;

import java.util.List;
import java.util.UUID;

/**
 * {@code POST /api/v1/messages}. Boxed types so that a missing value is told apart from zero.
 */
record SendMessageRequest(
        UUID conversationId,
        UUID clientMessageId,
        String type,
        String content,
        List<AttachmentInput> attachments,
        UUID replyToId,
        List<MentionInput> mentions) {

    record AttachmentInput(String url, String mimeType, Long sizeBytes, String name, Integer width, Integer height,
            Long durationMs) {
    }

    record MentionInput(String userId, Integer offset, Integer length) {
    }
}
