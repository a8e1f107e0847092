package dev.chat.message.outbox;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * How the outbox relay publishes ({@code chat.outbox.*}).
 *
 * @param sweepInterval       how often the relay looks for rows without being signalled: what a failed or
 *                            missed run (Kafka down, crash, a lane busy on another instance) left behind
 * @param batchSize           rows read and published per batch of one lane
 * @param maxConcurrentLanes  lanes this instance relays at the same time (each uses a database connection
 *                            for its two statements per batch, never while it waits for the broker)
 * @param publishTimeout      the longest a batch waits for the broker's acknowledgements; what is not
 *                            acknowledged by then counts as a transient failure
 * @param leaseTtl            a lane's lease: renewed with every batch, released at the end of a run; an
 *                            instance that dies holds its lanes at most this long. Must exceed
 *                            {@code publishTimeout} by a wide margin, so a live relay never loses its lease mid-batch
 * @param busyRetry           when a lane is being relayed by another instance, look again after this long
 * @param maxAttempts         attempts for a record the broker refuses for good (too large, not serialisable,
 *                            not authorised) before it goes to {@code outbox_dead_letters}
 * @param retryBackoff        the wait after the first such failure; doubled for every further one
 * @param maxRetryBackoff     the longest wait between attempts of one record
 * @param maxTransientBackoff the longest a lane waits after a transient failure (broker down, timeouts);
 *                            transient failures are retried for ever and never dead-lettered
 */
@ConfigurationProperties("chat.outbox")
@Validated
public record OutboxProperties(
        @DefaultValue("1s") @NotNull Duration sweepInterval,
        @DefaultValue("500") @Min(1) @Max(5000) int batchSize,
        @DefaultValue("4") @Min(1) @Max(16) int maxConcurrentLanes,
        @DefaultValue("10s") @NotNull Duration publishTimeout,
        @DefaultValue("30s") @NotNull Duration leaseTtl,
        @DefaultValue("50ms") @NotNull Duration busyRetry,
        @DefaultValue("5") @Min(1) @Max(100) int maxAttempts,
        @DefaultValue("1s") @NotNull Duration retryBackoff,
        @DefaultValue("1m") @NotNull Duration maxRetryBackoff,
        @DefaultValue("5s") @NotNull Duration maxTransientBackoff) {

    /** The number of lanes: fixed by the schema (V4: the {@code lane} column, the rows of {@code outbox_lanes}). */
    public static final int LANES = 16;

    @AssertTrue(message = "chat.outbox.lease-ttl must be at least three times chat.outbox.publish-timeout")
    public boolean isLeaseLongEnough() {
        return leaseTtl == null || publishTimeout == null || leaseTtl.compareTo(publishTimeout.multipliedBy(3)) >= 0;
    }

    /** The wait before attempt {@code attempts + 1} of a record that failed {@code attempts} times. */
    public Duration backoffAfter(int attempts) {
        Duration wait = retryBackoff;
        for (int i = 1; i < attempts && wait.compareTo(maxRetryBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxRetryBackoff) > 0 ? maxRetryBackoff : wait;
    }
}
