package dev.chat.gateway.admission;

import java.time.Duration;
import java.util.List;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.chat.shared.problem.RetryAfterProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * {@code chat.gateway.admission.*}: how many REST requests this gateway replica has in flight at once (load
 * shedding, see docs/gateway-service.md "Overload"). WebSocket connections are limited apart
 * ({@code chat.gateway.websocket.max-connections}) and never count here.
 *
 * @param maxInFlight requests in flight at once, proxied or answered by the gateway itself
 * @param maxWaiting  requests that may wait for one of them to finish; 0 (the default): as many as
 *                    {@code maxInFlight}
 * @param maxWait     the longest one waits; then (or at once, when {@code maxWaiting} wait already) it is answered
 *                    503 {@code overloaded}. 0: nobody waits
 * @param retryAfter  the {@code Retry-After} of that 503
 * @param exemptPaths path patterns never shed nor counted: the probes, and {@code /ws} (a WebSocket is
 *                    long-lived and has its own limit)
 */
@Validated
@ConfigurationProperties("chat.gateway.admission")
public record GatewayAdmissionProperties(
        @DefaultValue("256") @Min(1) @Max(1_000_000) int maxInFlight,
        @DefaultValue("0") @Min(0) @Max(1_000_000) int maxWaiting,
        @DefaultValue("100ms") @NotNull @DurationMin(millis = 0) @DurationMax(seconds = 10) Duration maxWait,
        @DefaultValue @NotNull @Valid RetryAfterProperties retryAfter,
        @DefaultValue({ "/actuator/**", "/ws" }) @NotNull List<String> exemptPaths) {


    /** The waiting places in force. */
    public int waitingPlaces() {
        return maxWaiting > 0 ? maxWaiting : maxInFlight;
    }
}
