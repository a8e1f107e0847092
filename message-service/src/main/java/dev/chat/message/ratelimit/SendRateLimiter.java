package dev.chat.message.ratelimit;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The per-user send limit (API.md: 10 messages/s, burst 20), counted in PostgreSQL
 * ({@link SendRateLimitStore}) so that it is one limit for the user whatever the number of gateway and
 * message-service replicas: the gateway keeps no shared state, message-service already has the database
 * every send needs. One non-blocking statement per send, before the send's transaction; a refused send
 * stores nothing.
 * <p>
 * When the database does not answer, the check fails like the send would (503 + Retry-After): there is
 * no separate store whose outage must be decided for (fail open or closed).
 */
@Component
public class SendRateLimiter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SendRateLimiter.class);

    /** A send refused by the limit: 429 {@code rate_limited}; the caller sets {@code Retry-After}. */
    public static final class RateLimitedException extends ChatException {

        private final long retryAfterSeconds;

        RateLimitedException(String detail, long retryAfterSeconds) {
            super(HttpStatus.TOO_MANY_REQUESTS, ErrorCodes.RATE_LIMITED, detail);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        /** Whole seconds, at least 1. */
        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private final SendRateLimitStore store;
    private final SendRateLimitProperties properties;
    private final Counter refused;
    private volatile Disposable sweeper;

    SendRateLimiter(SendRateLimitStore store, SendRateLimitProperties properties, MeterRegistry meters) {
        this.store = store;
        this.properties = properties;
        this.refused = Counter.builder("chat.messages.rate-limited")
                .description("sends refused by the per-user send limit (429)").register(meters);
        if (properties.enabled()) {
            log.info("Send limit: {} at once and {} per second per user, shared by every instance (PostgreSQL)",
                    properties.capacity(), format(properties.refillPerSecond()));
        } else {
            log.warn("Send limit is OFF (chat.messages.rate-limit.enabled=false)");
        }
    }

    /** Completes when {@code userId} may send one message now; errors with {@link RateLimitedException} if not. */
    public Mono<Void> acquire(String userId) {
        if (!properties.enabled()) {
            return Mono.empty();
        }
        double emission = properties.emissionSeconds();
        return store.take(userId, emission, properties.burstSeconds())
                .defaultIfEmpty(new SendRateLimitStore.Check(false, properties.burstSeconds()))
                .flatMap(check -> {
                    if (check.allowed()) {
                        return Mono.empty();
                    }
                    refused.increment();
                    long retryAfter = retryAfterSeconds(check.ahead(), emission, properties.capacity());
                    return Mono.error(new RateLimitedException("Too many messages: " + properties.capacity()
                            + " at once and " + format(properties.refillPerSecond())
                            + " per second are allowed; retry in " + retryAfter + " s", retryAfter));
                });
    }

    /**
     * Whole seconds until the next message is allowed, rounded up, at least 1 (Retry-After has no fractions,
     * and 0 would invite a hot loop): the bucket has room again when the arrival time is no more than
     * {@code capacity - 1} intervals ahead.
     */
    static long retryAfterSeconds(double aheadSeconds, double emissionSeconds, long capacity) {
        double wait = aheadSeconds - (capacity - 1) * emissionSeconds;
        return Math.max(1, (long) Math.ceil(wait - 1e-9));
    }

    @Override
    public void start() {
        if (!properties.enabled()) {
            return;
        }
        Duration every = properties.sweepInterval();
        double idle = Math.max(properties.idleExpiry().toMillis() / 1000d, 0);
        sweeper = Flux.interval(every, every, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> store.sweep(idle)
                        .doOnNext(deleted -> {
                            if (deleted > 0) {
                                log.debug("Deleted {} idle send-limit counters", deleted);
                            }
                        })
                        .onErrorResume(e -> {
                            log.warn("Sweeping idle send-limit counters failed (database unavailable?): {}", e.toString());
                            return Mono.empty();
                        }), 1)
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = sweeper;
        if (running != null) {
            running.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable running = sweeper;
        return running != null && !running.isDisposed();
    }

    private static String format(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }
}
