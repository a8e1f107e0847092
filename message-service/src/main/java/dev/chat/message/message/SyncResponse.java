package dev.chat.message.message;

import java.util.List;
import java.util.UUID;

import dev.chat.shared.event.ChatMessage;

/**
 * {@code GET /api/v1/conversations/{id}/sync}: what a client that was away missed in one conversation,
 * as of one moment. Websocket nodes turn it into frames for the {@code sync} frame; clients may call it
 * over REST too.
 *
 * @param messages     messages after {@code after_seq}, ascending seq, in their current state
 * @param changes      messages the client already had ({@code seq <= after_seq}) edited or deleted after
 *                     {@code after_change}, in the order of those changes, each in its current state (a
 *                     deleted one is its tombstone); empty when the client gave no {@code after_change}
 * @param receipts     current watermarks: every participant's in conversations of up to the large-group
 *                     threshold, else only the caller's own
 * @param lastSeq      the client now has every message up to this seq
 * @param changeCursor pass it back as {@code after_change} next time
 * @param hasMore      more to fetch: call again with {@code after_seq = last_seq} and {@code after_change = change_cursor}
 */
public record SyncResponse(UUID conversationId, List<ChatMessage> messages, List<ChatMessage> changes,
        List<Watermark> receipts, long lastSeq, long changeCursor, boolean hasMore) {

    /** One participant's receipt watermarks. */
    public record Watermark(String userId, long deliveredSeq, long readSeq) {
    }
}
