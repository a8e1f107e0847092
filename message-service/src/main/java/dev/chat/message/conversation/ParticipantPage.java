package dev.chat.message.conversation;

import java.util.List;

/** {@code GET /api/v1/conversations/{id}/participants}: longest-standing first; {@code next_cursor} null on the last page. */
record ParticipantPage(List<ConversationView.Participant> participants, String nextCursor) {
}
