package dev.chat.websocket.session;

import dev.chat.shared.auth.ChatSecurity;
import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationPredicate;
import reactor.netty.http.server.WebsocketServerSpec;

import dev.chat.shared.limit.UpgradeAdmission;
import dev.chat.shared.problem.ProblemWriter;

import dev.chat.websocket.config.WebSocketProperties;

/**
 * Maps {@code /ws} to {@link ChatWebSocketHandler}. Reactor Netty enforces the frame size limit
 * (1009 above it, also for fragmented messages) and passes client PINGs through, so that they
 * count as activity like every other frame. Upgrades past the node's connection limit are answered 503
 * ({@link ConnectionLimits}); a user's upgrades beyond the connect rate, 429 ({@link ConnectRateLimit}, a filter
 * of the security chain).
 */
@Configuration(proxyBeanMethods = false)
class WebSocketConfiguration {

    static final String PATH = ChatSecurity.WEBSOCKET_PATH;

    @Bean
    HandlerMapping chatWebSocketMapping(ChatWebSocketHandler handler) {
        return new SimpleUrlHandlerMapping(Map.of(PATH, handler), -1);
    }

    /**
     * No {@code http.server.requests} observation for {@code /ws}: an upgraded request's observation lasts as long
     * as its socket (hours), so it would hold an observation, its key values and an active long-task-timer sample in
     * memory per session, count every session as an active request and put socket lifetimes into the request
     * timings. Sessions have meters of their own ({@code chat.ws.connections}, {@code chat.ws.sessions},
     * {@code chat.ws.closes}, {@code chat.ws.connections.refused}).
     */
    @Bean
    ObservationPredicate chatNoRequestObservationForSessions() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext request
                && PATH.equals(request.getCarrier().getPath().pathWithinApplication().value()));
    }

    @Bean
    UpgradeAdmission chatConnectionAdmission(WebSocketProperties properties, ProblemWriter problems,
            MeterRegistry meters) {
        return ConnectionLimits.admission(properties, problems, meters);
    }

    @Bean
    ConnectRateLimit chatConnectRateLimit(WebSocketProperties properties, ProblemWriter problems, MeterRegistry meters) {
        return new ConnectRateLimit(properties.connectRate(), problems, meters);
    }

    @Bean
    HandshakeWebSocketService chatWebSocketService(WebSocketProperties properties, UpgradeAdmission admission) {
        return new HandshakeWebSocketService(new ChatUpgradeStrategy(() -> WebsocketServerSpec.builder()
                .maxFramePayloadLength(properties.maxFramePayloadLength())
                .handlePing(true), admission));
    }

    @Bean
    WebFluxConfigurer chatWebSocketServiceConfigurer(HandshakeWebSocketService service) {
        return new WebFluxConfigurer() {
            @Override
            public WebSocketService getWebSocketService() {
                return service;
            }
        };
    }
}
