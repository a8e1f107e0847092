package dev.chat.gateway.routing;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.server.ServerWebExchange;

import dev.chat.shared.problem.UpstreamFailures;
import reactor.core.publisher.Mono;

/**
 * The gateway answers a WebSocket upgrade (101) before it connects to websocket-service, so a
 * service that is down cannot be reported as a 503. Without this, the client's socket is then
 * dropped with a bare protocol error; with it, the client gets close code 1013 (try again later),
 * which API.md clients already treat as "reconnect, then sync".
 */
@Configuration(proxyBeanMethods = false)
class WebSocketProxyConfiguration {

    static final CloseStatus SERVICE_UNAVAILABLE = new CloseStatus(1013, "Service unavailable, retry shortly");
    static final CloseStatus TOKEN_NOT_ACCEPTED = new CloseStatus(4401, "token not accepted");

    /** The websocket node answered the upgrade with 401 (a revoked token). */
    static boolean refusedAsUnauthorized(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException handshake
                    && handshake.response() != null && handshake.response().status().code() == 401) {
                return true;
            }
        }
        return false;
    }

    private static final Logger log = LoggerFactory.getLogger(WebSocketProxyConfiguration.class);

    /** Wraps the gateway's own WebSocketService (it offers no other way to be replaced). */
    @Bean
    static BeanPostProcessor closeWebSocketsWhenServiceUnavailable() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                return bean instanceof WebSocketService service && !(bean instanceof ClosingWebSocketService)
                        ? new ClosingWebSocketService(service)
                        : bean;
            }
        };
    }

    record ClosingWebSocketService(WebSocketService delegate) implements WebSocketService {

        @Override
        public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler handler) {
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
                                    ex -> session.close(TOKEN_NOT_ACCEPTED));
                }
            });
        }
    }
}
