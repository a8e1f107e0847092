package dev.chat.notification.decision;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The decision's meters: {@code chat.push.decisions{outcome}} counts (message, recipient) decisions:
 * {@code pushed} (handed to the senders), {@code acked}, {@code read}, {@code deleted}, {@code expired};
 * {@code chat.push.pending} the messages waiting for their decision on this instance;
 * {@code chat.push.decision.lag} how late after its deadline a decision was taken;
 * {@code chat.push.events.skipped{reason}} records the decision could not use.
 */
@Component
public class DecisionMetrics {

    private final MeterRegistry registry;
    private final Set<PushDecisionProcessor> processors = ConcurrentHashMap.newKeySet();
    private final Timer lag;

    DecisionMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.lag = Timer.builder("chat.push.decision.lag")
                .description("How long after its deadline a push decision was taken")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Gauge.builder("chat.push.pending", this, DecisionMetrics::pending)
                .description("Messages waiting for their push decision on this instance")
                .register(registry);
    }

    void decided(String outcome, int recipients) {
        if (recipients > 0) {
            counter(outcome).increment(recipients);
        }
    }

    void lag(long millis) {
        lag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    void skipped(String reason) {
        Counter.builder("chat.push.events.skipped").tag("reason", reason).register(registry).increment();
    }

    void attach(PushDecisionProcessor processor) {
        processors.add(processor);
    }

    void detach(PushDecisionProcessor processor) {
        processors.remove(processor);
    }

    /** Messages waiting for their decision (in the stores of this instance's tasks). */
    public long pending() {
        return processors.stream().mapToLong(PushDecisionProcessor::pendingCount).sum();
    }

    public Duration maxLag() {
        return Duration.ofMillis((long) lag.max(TimeUnit.MILLISECONDS));
    }

    private Counter counter(String outcome) {
        return Counter.builder("chat.push.decisions").tag("outcome", outcome)
                .description("Push decisions per (message, recipient), by outcome")
                .register(registry);
    }
}
