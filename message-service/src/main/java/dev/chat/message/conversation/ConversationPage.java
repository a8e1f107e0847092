package dev.chat.message.conversation;

import java.util.List;

/** {@code GET /api/v1/conversations}: most recent activity first; {@code next_cursor} null on the last page. */
record ConversationPage(List<ConversationView> conversations, String nextCursor) {
}
