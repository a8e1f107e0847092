package dev.chat.websocket.delivery;

import java.util.List;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Part of the readiness group ({@code chatTopics}): UP only once the broadcast consumer is assigned
 * every partition of {@code chat.events} and {@code chat.presence.updates} at the end offsets recorded
 * at start-up, and has read {@code chat.revocations} up to its recorded end: anything produced after
 * the node reports ready reaches its sessions, and no token revoked before it started is accepted.
 * It stays UP while the broker is away (the client reconnects and continues from its position):
 * taking every node out of rotation would not bring Kafka back.
 */
@Component("chatTopicsHealthIndicator")
class BroadcastHealthIndicator implements HealthIndicator {

    private final BroadcastConsumer consumer;

    BroadcastHealthIndicator(BroadcastConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public Health health() {
        BroadcastConsumer.State state = consumer.state();
        if (consumer.isReady()) {
            return Health.up()
                    .withDetail("start_offsets",
                            BroadcastConsumer.State.byTopicAndPartition(state.recorded(), BroadcastConsumer.FROM_LATEST))
                    .build();
        }
        String phase = state.recorded() == null ? "discovering partitions"
                : !state.isAssigned() ? "assigning partitions" : "reading " + BroadcastConsumer.FROM_BEGINNING;
        Health.Builder down = Health.down().withDetail("state", phase);
        if (state.isCatchingUp() && state.recorded() != null) {
            down.withDetail("revocations_end_offsets", BroadcastConsumer.State.byTopicAndPartition(state.recorded(),
                    List.of(BroadcastConsumer.FROM_BEGINNING)));
        }
        if (state.lastError() != null) {
            down.withDetail("last_error", state.lastError());
        }
        return down.build();
    }
}
