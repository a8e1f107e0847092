package dev.chat.gateway.routing;

import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.server.ServerWebExchange;

import dev.chat.shared.limit.ConnectionLimit;
import dev.chat.shared.limit.ConnectionSlots;
import dev.chat.shared.limit.UpgradeAdmission;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.shared.problem.UpstreamFailures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * The gateway answers a WebSocket upgrade (101) before it connects to websocket-service, so a
 * service that is down cannot be reported as a 503. Without this, the client's socket is then
 * dropped with a bare protocol error; with it, the client gets close code 1013 (try again later),
 * which API.md clients already treat as "reconnect, then sync". The same for a node that refuses the
 * upgrade with 503 (at its connection limit).
 * <p>
 * The gateway's own limit of proxied connections ({@code chat.gateway.websocket.max-connections}) is
 * checked before the upgrade: past it the client gets 503 {@code too_many_connections} with a jittered
 * {@code Retry-After}, and neither a WebSocket nor an upstream connection is made. A connection holds its
 * slot until the client's TCP connection has closed, whichever side ended the WebSocket and however.
 * Meters: {@code chat.gateway.websocket.connections} (held), {@code .limit}, {@code .refused}.
 */
@Configuration(proxyBeanMethods = false)
class WebSocketProxyConfiguration {

    static final CloseStatus SERVICE_UNAVAILABLE = new CloseStatus(1013, "Service unavailable, retry shortly");
    static final CloseStatus TOKEN_NOT_ACCEPTED = new CloseStatus(4401, "token not accepted");

    /** The websocket node answered the upgrade with 401 (a revoked token). */
    static boolean refusedAsUnauthorized(Throwable ex) {
        return refusedWith(ex, 401);
    }

    /** The websocket node answered the upgrade with 503 (at its connection limit, or not ready). */
    static boolean refusedAsUnavailable(Throwable ex) {
        return refusedWith(ex, 503);
    }

    private static boolean refusedWith(Throwable ex, int status) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException handshake
                    && handshake.response() != null && handshake.response().status().code() == status) {
                return true;
            }
        }
        return false;
    }

    private static final Logger log = LoggerFactory.getLogger(WebSocketProxyConfiguration.class);

    @Bean
    UpgradeAdmission gatewayConnectionAdmission(GatewayWebSocketProperties properties, ProblemWriter problems,
            MeterRegistry meters) {
        int limit = limit(properties.maxConnections(), ConnectionLimit.ofThisProcess(
                GatewayWebSocketProperties.SOCKETS_PER_CONNECTION, GatewayWebSocketProperties.DERIVED_CONNECTION_HEAP_BYTES));
        ConnectionSlots slots = new ConnectionSlots(limit);
        Gauge.builder("chat.gateway.websocket.connections", slots, ConnectionSlots::inUse)
                .description("Proxied WebSocket connections held by this gateway replica")
                .register(meters);
        Gauge.builder("chat.gateway.websocket.connections.limit", slots, ConnectionSlots::limit)
                .description("Proxied WebSocket connections this replica admits at once; more upgrades are answered 503")
                .register(meters);
        Counter refused = Counter.builder("chat.gateway.websocket.connections.refused")
                .description("WebSocket upgrades answered 503 too_many_connections (the replica was at its limit)")
                .register(meters);
        return new UpgradeAdmission(slots, properties.refusedRetryAfter().base(), properties.refusedRetryAfter().spread(),
                problems, refused::increment);
    }

    /** The configured limit, or when it is 0 the derived one; logs which and why. */
    static int limit(int configured, ConnectionLimit derived) {
        if (configured > 0) {
            log.info("WebSocket connection limit: {} (chat.gateway.websocket.max-connections; derived would be {}: {})",
                    configured, derived.limit(), derived.describe());
            return configured;
        }
        log.info("WebSocket connection limit: {}, derived: the smaller of {}", derived.limit(), derived.describe());
        return derived.limit();
    }

    /**
     * Wraps the gateway's own WebSocketService (it offers no other way to be replaced). The admission is
     * looked up at the first upgrade: a post-processor must not pull beans in while others are created.
     */
    @Bean
    static BeanPostProcessor closeWebSocketsWhenServiceUnavailable(ObjectProvider<UpgradeAdmission> admission) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                return bean instanceof WebSocketService service && !(bean instanceof ClosingWebSocketService)
                        ? new ClosingWebSocketService(service, admission::getObject)
                        : bean;
            }
        };
    }

    record ClosingWebSocketService(WebSocketService delegate, Supplier<UpgradeAdmission> admission)
            implements WebSocketService {

        @Override
        public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler handler) {
            return admission.get().admit(exchange, admitted -> proxy(admitted, handler));
        }

        private Mono<Void> proxy(ServerWebExchange exchange, WebSocketHandler handler) {
            return delegate.handleRequest(exchange, new WebSocketHandler() {
                @Override
                public List<String> getSubProtocols() {
                    return handler.getSubProtocols();
                }

                @Override
                public Mono<Void> handle(WebSocketSession session) {
                    return handler.handle(session)
                            .onErrorResume(UpstreamFailures::unreachable, ex -> {
                                log.warn("WebSocket {}: the service is not reachable: {}",
                                        exchange.getRequest().getPath(), ex.toString());
                                return session.close(SERVICE_UNAVAILABLE);
                            })
                            // the node refused the token (revoked since the gateway checked it): tell the client as
                            // the node tells its own sessions, so it fetches a fresh token rather than retrying
                            .onErrorResume(WebSocketProxyConfiguration::refusedAsUnauthorized,
                                    ex -> session.close(TOKEN_NOT_ACCEPTED))
                            // the node is full (or not ready): try again later, most likely on another node
                            .onErrorResume(WebSocketProxyConfiguration::refusedAsUnavailable, ex -> {
                                log.warn("WebSocket {}: the service refused the upgrade with 503",
                                        exchange.getRequest().getPath());
                                return session.close(SERVICE_UNAVAILABLE);
                            });
                }
            });
        }
    }
}
