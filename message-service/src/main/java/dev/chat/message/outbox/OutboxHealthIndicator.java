package dev.chat.message.outbox;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code GET /actuator/health/outbox} (the {@code outboxRelay} component): what waits to be published and what was set aside, from the
 * figures the relay's sweeper refreshes every {@code sweep-interval} (no query per probe). It stays UP
 * with dead letters or a backlog: the service still takes sends durably, and taking it out of rotation
 * would not publish anything sooner. Operators alert on the details (or the {@code chat.outbox.*} gauges).
 */
@Component("outboxRelayHealthIndicator")
class OutboxHealthIndicator implements HealthIndicator {

    private final OutboxRelay relay;

    OutboxHealthIndicator(OutboxRelay relay) {
        this.relay = relay;
    }

    @Override
    public Health health() {
        OutboxStore.Stats stats = relay.stats();
        if (stats == null) {
            return Health.unknown().withDetail("state", "not swept yet").build();
        }
        Health.Builder health = Health.up()
                .withDetail("pending", stats.pending())
                .withDetail("waiting_for_retry", stats.waiting())
                .withDetail("oldest_pending_seconds", Math.round(stats.oldestPendingSeconds() * 10) / 10.0)
                .withDetail("dead_letters", stats.deadLetters());
        if (stats.deadLetters() > 0) {
            health.withDetail("action", "inspect messaging.outbox_dead_letters and replay with "
                    + "messaging.replay_outbox_dead_letters(ids) (docs/message-service.md)");
        }
        return health.build();
    }
}
