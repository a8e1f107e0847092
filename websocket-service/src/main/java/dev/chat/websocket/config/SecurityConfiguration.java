package dev.chat.websocket.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.chat.shared.auth.ChatSecurity;
import dev.chat.shared.problem.ProblemSecurityHandlers;
import dev.chat.websocket.revocation.RevocationCheckingJwtDecoder;
import dev.chat.websocket.revocation.RevocationStore;
import dev.chat.websocket.session.ConnectRateLimit;

/**
 * Every request but the health probes needs a valid JWT, so a WebSocket upgrade without one is
 * answered 401 problem+json before any WebSocket exists. Browsers cannot set headers on the
 * upgrade, hence {@code ?access_token=} is accepted too. A token an operator revoked
 * ({@code chat.revocations}) is refused the same way.
 * <p>
 * The last filter of the chain, after authorization, is the per-user connect-rate limit
 * ({@link ConnectRateLimit}): only upgrades with a valid token are counted, by their verified {@code sub}.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, ReactiveJwtDecoder decoder,
            ProblemSecurityHandlers handlers, RevocationStore revocations, ConnectRateLimit connectRate) {
        return ChatSecurity.resourceServer(http, new RevocationCheckingJwtDecoder(decoder, revocations), handlers,
                        ChatSecurity.WEBSOCKET_PATH)
                .authorizeExchange(auth -> auth.anyExchange().authenticated())
                .addFilterAfter(connectRate.webFilter(), SecurityWebFiltersOrder.AUTHORIZATION)
                .build();
    }
}
