package dev.chat.message.admission;

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
 * {@code chat.admission.*}: how many HTTP requests this instance works on at once (load shedding, see
 * docs/message-service.md "Overload").
 *
 * @param maxInFlight requests worked on at once; 0 (the default): {@value #IN_FLIGHT_PER_CONNECTION} x
 *                    {@code spring.r2dbc.pool.max-size} (40 with the pool of 10)
 * @param maxWaiting  requests that may wait for one of them to finish; 0 (the default): as many as
 *                    {@code maxInFlight}
 * @param maxWait     the longest one waits; then (or at once, when {@code maxWaiting} wait already) it is answered
 *                    503 {@code overloaded}. 0: nobody waits
 * @param retryAfter  the {@code Retry-After} of that 503
 * @param exemptPaths path patterns never shed: health probes, the API description, and the calls websocket nodes
 *                    make for their sessions (each node paces them itself, {@code chat.ws.message-service.max-in-flight})
 */
@Validated
@ConfigurationProperties("chat.admission")
public record AdmissionProperties(
        @DefaultValue("0") @Min(0) @Max(100_000) int maxInFlight,
        @DefaultValue("0") @Min(0) @Max(100_000) int maxWaiting,
        @DefaultValue("200ms") @NotNull @DurationMin(millis = 0) @DurationMax(seconds = 10) Duration maxWait,
        @DefaultValue @NotNull @Valid RetryAfterProperties retryAfter,
        @DefaultValue({ "/actuator/**", "/v3/api-docs/**", "/api/v1/large-conversations",
                "/api/v1/conversations/*/sync", "/api/v1/presence/query" }) @NotNull List<String> exemptPaths) {

    /**
     * Requests in flight per pooled database connection when {@code maxInFlight} is derived. A request holds a
     * connection for part of its time only (the JWT, JSON, the response are done without one), so a few per
     * connection keep the pool busy; more would only wait in the pool's queue.
     */
    public static final int IN_FLIGHT_PER_CONNECTION = 4;


    /** The limit in force: the configured one, or the one derived from the pool size. */
    public int maxInFlight(int poolMaxSize) {
        return maxInFlight > 0 ? maxInFlight : Math.max(1, IN_FLIGHT_PER_CONNECTION * poolMaxSize);
    }

    /** The waiting places in force for {@code inFlight}. */
    public int maxWaiting(int inFlight) {
        return maxWaiting > 0 ? maxWaiting : inFlight;
    }
}
