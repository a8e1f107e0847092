package dev.chat.websocket.delivery;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Part of the readiness group ({@code chatEvents}): UP only once the chat.events consumer is assigned
 * every partition at the end offsets recorded at start-up, so anything produced after the node
 * reports ready reaches its sessions. It stays UP while the broker is away (the client reconnects
 * and continues from its position): taking every node out of rotation would not bring Kafka back.
 */
@Component("chatEventsHealthIndicator")
class ChatEventsHealthIndicator implements HealthIndicator {

    private final ChatEventsConsumer consumer;

    ChatEventsHealthIndicator(ChatEventsConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public Health health() {
        ChatEventsConsumer.State state = consumer.state();
        if (consumer.isAssigned()) {
            return Health.up().withDetail("start_offsets", state.offsetsByPartition(state.recorded())).build();
        }
        Health.Builder down = Health.down().withDetail("state",
                state.recorded() == null ? "discovering partitions" : "assigning partitions");
        if (state.lastError() != null) {
            down.withDetail("last_error", state.lastError());
        }
        return down.build();
    }
}
