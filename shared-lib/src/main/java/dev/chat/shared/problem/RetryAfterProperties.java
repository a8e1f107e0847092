package dev.chat.shared.problem;

import java.time.Duration;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.bind.DefaultValue;

import jakarta.validation.constraints.NotNull;

/**
 * A configured jittered {@code Retry-After} ({@code ...retry-after.base}, {@code ...retry-after.spread}), for the
 * configuration properties of whatever answers 503: whole seconds drawn uniformly from {@code [base, base + spread]}
 * for each refusal; 1..5 s by default.
 *
 * @param base   the shortest wait
 * @param spread how much longer it may be
 */
public record RetryAfterProperties(
        @DefaultValue("1s") @NotNull @DurationMin(seconds = 1) @DurationMax(hours = 1) Duration base,
        @DefaultValue("4s") @NotNull @DurationMin(seconds = 0) @DurationMax(hours = 1) Duration spread) {

    public RetryAfter retryAfter() {
        return RetryAfter.of(base, spread);
    }
}
