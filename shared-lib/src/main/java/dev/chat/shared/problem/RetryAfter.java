package dev.chat.shared.problem;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.http.HttpHeaders;

/**
 * A jittered {@code Retry-After}: whole seconds drawn uniformly from {@code [base, base + spread]} for each
 * answer, so that the clients refused together (an outage, an overload) do not all come back in the same second.
 *
 * @param baseSeconds   the shortest wait, at least 1 (0 would invite a hot retry loop)
 * @param spreadSeconds how much longer it may be, at least 0
 */
public record RetryAfter(long baseSeconds, long spreadSeconds) {

    /** What every 503 gets unless its producer chose otherwise: 1..5 s. */
    public static final RetryAfter DEFAULT = new RetryAfter(1, 4);

    public RetryAfter {
        baseSeconds = Math.max(1, baseSeconds);
        spreadSeconds = Math.max(0, spreadSeconds);
    }

    /** From configured durations (whole seconds, rounded down). */
    public static RetryAfter of(Duration base, Duration spread) {
        return new RetryAfter(base.toSeconds(), spread.toSeconds());
    }

    /** The next value, whole seconds in {@code [base, base + spread]}. */
    public long nextSeconds() {
        return baseSeconds + ThreadLocalRandom.current().nextLong(spreadSeconds + 1);
    }

    /** Sets the next value on {@code headers} and returns it. */
    public long set(HttpHeaders headers) {
        long seconds = nextSeconds();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        return seconds;
    }
}
