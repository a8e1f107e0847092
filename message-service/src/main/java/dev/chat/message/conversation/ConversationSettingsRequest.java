package dev.chat.message.conversation;

import java.time.Instant;

/**
 * {@code PUT /api/v1/conversations/{id}/settings}: the caller's settings of one conversation, replaced
 * as a whole (an absent {@code muted_until} is the default, null: not muted).
 */
record ConversationSettingsRequest(Instant mutedUntil) {
}
