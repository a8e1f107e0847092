package dev.chat.websocket.presence;

import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.chat.shared.event.PresenceUpdate;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.session.OutboundFrame;
import dev.chat.websocket.session.ServerFrames;

/**
 * {@code chat.presence.updates} records (on the consumer thread): de-duplicated by {@code event_id}
 * (Kafka may carry one twice; a bounded memory of recent ids), serialized once, and written as
 * {@code presence.updated} to the local sessions subscribed to that user, and to nobody else.
 */
@Component
public class PresenceDelivery {

    private static final Logger log = LoggerFactory.getLogger(PresenceDelivery.class);

    private final PresenceSubscriptions subscriptions;
    private final Cache<UUID, Boolean> seen;
    private final Counter delivered;
    private final Counter duplicates;

    PresenceDelivery(PresenceSubscriptions subscriptions, WebSocketProperties properties, MeterRegistry meters) {
        this.subscriptions = subscriptions;
        this.seen = Caffeine.newBuilder().maximumSize(properties.presence().dedupEventIds()).build();
        this.delivered = counter(meters, "delivered");
        this.duplicates = counter(meters, "duplicate");
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("chat.ws.presence.updates").description("chat.presence.updates records by outcome")
                .tag("outcome", outcome).register(meters);
    }

    public void deliver(PresenceUpdate update) {
        if (update.userId() == null) {
            log.warn("Skipping a presence update without user_id");
            return;
        }
        if (update.eventId() != null && seen.asMap().putIfAbsent(update.eventId(), Boolean.TRUE) != null) {
            duplicates.increment();
            return;
        }
        delivered.increment();
        if (subscriptions.isWatched(update.userId())) {
            subscriptions.deliver(update, frame(update));
        }
    }

    static OutboundFrame.Text frame(PresenceUpdate update) {
        return ServerFrames.presenceUpdated(update.userId(), update.online(), update.lastSeenAt());
    }
}
