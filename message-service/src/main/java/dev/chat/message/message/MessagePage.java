package dev.chat.message.message;

import java.util.List;

import dev.chat.shared.event.ChatMessage;

/**
 * A page of history in ascending seq order. With {@code after_seq}, {@code has_more} means newer
 * messages exist beyond the page; otherwise it means older messages exist before it.
 */
record MessagePage(List<ChatMessage> messages, boolean hasMore) {
}
