package dev.chat.shared.event;

/**
 * A user an event is for. {@code push} says whether this user wants a push notification for it
 * when no device acknowledges it in time (false for the sender and for muted conversations).
 */
public record Recipient(String userId, boolean push) {
}
