package dev.chat.message.conversation;

import java.util.List;

/** {@code POST /api/v1/conversations/{id}/participants}: {@code {"user_ids": [...]}}. */
record AddParticipantsRequest(List<String> userIds) {
}
