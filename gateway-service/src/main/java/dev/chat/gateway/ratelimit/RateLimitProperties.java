package dev.chat.gateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/**
 * {@code chat.gateway.rate-limits.*}: token buckets per caller and rule. The caller is the verified
 * JWT {@code sub}; a request without a token (only possible on the few open paths, such as the dev
 * token endpoint) is counted per client IP. A request counts against the first rule that matches it
 * (lowest {@code order}, then name); a request no rule matches is not limited.
 *
 * @param enabled     apply the rules at all
 * @param maxBuckets  at most this many buckets are kept (least recently used are dropped beyond it)
 * @param idleExpiry  a bucket unused this long is dropped (never before it would have refilled completely)
 * @param rules       by name
 */
@ConfigurationProperties("chat.gateway.rate-limits")
@Validated
public record RateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("100000") @Min(1) long maxBuckets,
        @DefaultValue("10m") @NotNull Duration idleExpiry,
        @DefaultValue Map<String, @Valid Rule> rules) {

    public RateLimitProperties {
        rules = rules == null ? Map.of() : Map.copyOf(rules);
    }

    /**
     * One limit: requests with one of {@code methods} (any method when empty) on one of {@code paths}
     * (Spring path patterns, e.g. {@code /api/**}) share a bucket of {@code capacity} tokens per caller,
     * refilled continuously at {@code refillPerSecond} tokens per second (fractions allowed: 0.2 is one
     * token every 5 s). {@code capacity} is the burst a caller may send at once, {@code refillPerSecond}
     * the sustained rate.
     *
     * @param order lower wins when several rules match a request
     */
    public record Rule(
            @DefaultValue("0") int order,
            @DefaultValue List<@NotBlank String> methods,
            @NotEmpty List<@NotBlank String> paths,
            @Min(1) long capacity,
            @Positive double refillPerSecond) {

        public Rule {
            methods = methods == null ? List.of() : List.copyOf(methods);
            paths = paths == null ? List.of() : List.copyOf(paths);
        }
    }
}
