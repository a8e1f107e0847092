package dev.chat.message.message;

import java.util.List;

/**
 * {@code PATCH /api/v1/messages/{id}}: {@code {"content", "mentions"?}}. {@code content} is required.
 * {@code mentions}, when given, replaces the message's mentions (validated as on send); when absent,
 * the existing mentions are kept if they still lie within the new content and dropped otherwise.
 */
record EditMessageRequest(String content, List<SendMessageRequest.MentionInput> mentions) {
}
