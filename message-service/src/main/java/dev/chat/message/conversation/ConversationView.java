package dev.chat.message.conversation;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.chat.shared.event.ChatMessage;

/**
 * The Conversation object of the public contract, as seen by one user ({@code unread_count},
 * {@code my_*} and {@code muted_until} are that user's). {@code participants} is null above
 * the listing limit; {@code participant_count} is always exact.
 */
public record ConversationView(
        UUID id,
        String type,
        String title,
        String createdBy,
        Instant createdAt,
        List<Participant> participants,
        int participantCount,
        long lastSeq,
        ChatMessage lastMessage,
        Instant lastActivityAt,
        long unreadCount,
        long myDeliveredSeq,
        long myReadSeq,
        Instant mutedUntil) {

    public record Participant(String userId, String role, Instant joinedAt) {
    }
}
