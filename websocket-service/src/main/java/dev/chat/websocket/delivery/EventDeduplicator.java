package dev.chat.websocket.delivery;

import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;

/**
 * Node-level de-duplication: the outbox relay publishes at least once, so Kafka may carry an event
 * twice. A {@code message.created} is new only if its seq is above the highest this node delivered
 * for the conversation; any other event only if its {@code event_id} was not seen. Both memories
 * are bounded (least recently used entries go first); clients de-duplicate by (conversation_id, seq)
 * anyway, so a forgotten entry costs at most one duplicate frame.
 */
final class EventDeduplicator {

    private final Cache<UUID, Long> highestSeq;
    private final Cache<UUID, Boolean> seenEventIds;

    EventDeduplicator(int conversations, int eventIds) {
        this.highestSeq = Caffeine.newBuilder().maximumSize(conversations).build();
        this.seenEventIds = Caffeine.newBuilder().maximumSize(eventIds).build();
    }

    /** True the first time an event is offered; false for a redelivery. Records it as delivered. */
    boolean firstTime(ChatEvent event) {
        if (EventTypes.MESSAGE_CREATED.equals(event.type()) && event.seq() != null && event.conversationId() != null) {
            long seq = event.seq();
            boolean[] fresh = {false};
            highestSeq.asMap().compute(event.conversationId(), (conversation, highest) -> {
                if (highest != null && seq <= highest) {
                    return highest;
                }
                fresh[0] = true;
                return seq;
            });
            return fresh[0];
        }
        return seenEventIds.asMap().putIfAbsent(event.eventId(), Boolean.TRUE) == null;
    }
}
