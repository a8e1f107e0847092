package dev.chat.message.conversation;

import java.util.List;

/** {@code POST /api/v1/conversations}: {@code {"type", "participant_ids", "title"?}}. */
record CreateConversationRequest(String type, List<String> participantIds, String title) {
}
