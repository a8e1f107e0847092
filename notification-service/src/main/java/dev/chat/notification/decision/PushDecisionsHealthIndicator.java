package dev.chat.notification.decision;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The decision's Kafka Streams state: UP while it runs or rebalances, DOWN when it stopped or failed for good.
 * In the {@code push} health group only, not in readiness: device registration works without Kafka.
 */
@Component
class PushDecisionsHealthIndicator implements HealthIndicator {

    private final PushDecisionStreams streams;
    private final DecisionMetrics metrics;

    PushDecisionsHealthIndicator(PushDecisionStreams streams, DecisionMetrics metrics) {
        this.streams = streams;
        this.metrics = metrics;
    }

    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        Health.Builder health = state.isRunningOrRebalancing() || state == KafkaStreams.State.CREATED ? Health.up()
                : Health.down();
        return health.withDetail("state", state.name())
                .withDetail("pending", metrics.pending())
                .withDetail("max_lag_ms", metrics.maxLag().toMillis())
                .build();
    }
}
