package dev.chat.gateway.routing;

import java.time.Duration;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * {@code chat.gateway.websocket.*}: the WebSocket connections this gateway replica proxies.
 *
 * @param maxConnections    proxied WebSocket connections held at once; a further upgrade is answered 503
 *                          {@code too_many_connections} before anything is upgraded or connected. 0 (the default):
 *                          derived at start-up from the open-file limit (two sockets per connection: the
 *                          client's and the one to websocket-service) and the heap
 *                          ({@link #DERIVED_CONNECTION_HEAP_BYTES} per connection)
 * @param refusedRetryAfter the {@code Retry-After} of such a 503
 */
@Validated
@ConfigurationProperties("chat.gateway.websocket")
public record GatewayWebSocketProperties(
        @DefaultValue("0") @Min(0) @Max(10_000_000) int maxConnections,
        @DefaultValue @NotNull @Valid RetryAfter refusedRetryAfter) {

    /** The heap one proxied connection is assumed to cost when {@code maxConnections} is derived. */
    public static final long DERIVED_CONNECTION_HEAP_BYTES = 40 * 1024;
    /** Sockets one proxied connection holds in the gateway: the client's and the upstream one. */
    public static final int SOCKETS_PER_CONNECTION = 2;

    /**
     * Whole seconds, drawn uniformly from {@code [base, base + spread]} for each refusal.
     *
     * @param base   the shortest wait
     * @param spread how much longer it may be
     */
    public record RetryAfter(
            @DefaultValue("1s") @NotNull @DurationMin(seconds = 1) @DurationMax(hours = 1) Duration base,
            @DefaultValue("9s") @NotNull @DurationMin(seconds = 0) @DurationMax(hours = 1) Duration spread) {
    }
}
