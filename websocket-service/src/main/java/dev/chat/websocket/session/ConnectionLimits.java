package dev.chat.websocket.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import dev.chat.shared.limit.ConnectionLimit;
import dev.chat.shared.limit.ConnectionSlots;
import dev.chat.shared.limit.UpgradeAdmission;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.websocket.config.WebSocketProperties;

/**
 * The node's limit of WebSocket sessions ({@code chat.ws.max-connections}, or derived from the open-file
 * limit and the heap), checked at the upgrade: past it, 503 {@code too_many_connections} with a jittered
 * {@code Retry-After}, so that an overloaded node refuses newcomers rather than running out of files or
 * memory. Meters: {@code chat.ws.connections.limit} (gauge), {@code chat.ws.connections.refused} (counter).
 */
final class ConnectionLimits {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);

    private ConnectionLimits() {
    }

    static UpgradeAdmission admission(WebSocketProperties properties, ProblemWriter writer, MeterRegistry meters) {
        int limit = limit(properties.maxConnections(),
                ConnectionLimit.ofThisProcess(1, WebSocketProperties.DERIVED_CONNECTION_HEAP_BYTES));
        ConnectionSlots slots = new ConnectionSlots(limit);
        Gauge.builder("chat.ws.connections.limit", slots, ConnectionSlots::limit)
                .description("WebSocket sessions this node admits at once; more upgrades are answered 503")
                .register(meters);
        Counter refused = Counter.builder("chat.ws.connections.refused")
                .description("WebSocket upgrades answered 503 too_many_connections (the node was at its limit)")
                .register(meters);
        return new UpgradeAdmission(slots, properties.refusedRetryAfter().base(), properties.refusedRetryAfter().spread(),
                writer, refused::increment);
    }

    /** The configured limit, or when it is 0 the derived one; logs which and why. */
    static int limit(int configured, ConnectionLimit derived) {
        if (configured > 0) {
            log.info("WebSocket connection limit: {} (chat.ws.max-connections; derived would be {}: {})",
                    configured, derived.limit(), derived.describe());
            return configured;
        }
        log.info("WebSocket connection limit: {}, derived: the smaller of {}", derived.limit(), derived.describe());
        return derived.limit();
    }
}
