package dev.chat.message.receipt;

import java.util.UUID;

/** Whose watermarks: one participant of one conversation. */
record ReceiptKey(UUID conversationId, String userId) {
}
