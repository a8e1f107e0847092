package dev.chat.message.ratelimit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/**
 * The per-user send limit ({@code chat.messages.rate-limit.*}), counted in PostgreSQL so that it holds
 * across every message-service instance: a user may send {@code capacity} messages at once and
 * {@code refillPerSecond} per second on average (API.md: burst 20, 10 per second).
 *
 * @param enabled         check the limit at all
 * @param capacity        the burst allowed at once
 * @param refillPerSecond the sustained rate (fractions allowed: 0.2 is one message every 5 s)
 * @param idleExpiry      a user's counter unused this long is deleted (never before their bucket is full again)
 * @param sweepInterval   how often each instance deletes idle counters
 */
@ConfigurationProperties("chat.messages.rate-limit")
@Validated
public record SendRateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("20") @Min(1) long capacity,
        @DefaultValue("10") @Positive double refillPerSecond,
        @DefaultValue("10m") @NotNull Duration idleExpiry,
        @DefaultValue("1m") @NotNull Duration sweepInterval) {

    /** Seconds between two messages at the sustained rate (GCRA's emission interval). */
    double emissionSeconds() {
        return 1 / refillPerSecond;
    }

    /** How far ahead of now a user's theoretical arrival time may be: the whole burst. */
    double burstSeconds() {
        return capacity * emissionSeconds();
    }
}
