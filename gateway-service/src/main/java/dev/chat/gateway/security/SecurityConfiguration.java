package dev.chat.gateway.security;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.chat.gateway.devtoken.DevTokenProperties;
import dev.chat.gateway.ratelimit.RateLimiting;
import dev.chat.shared.auth.ChatSecurity;
import dev.chat.shared.problem.ProblemSecurityHandlers;

/**
 * Every request needs a valid JWT before any route is looked up: Spring Security's filter runs
 * before the gateway's handler, so a request it refuses (401 problem+json) never reaches a backend.
 * Open: the health probes (ChatSecurity), the services' OpenAPI documents ({@code GET /v3/api-docs/**})
 * and, only when enabled, the dev token endpoint.
 * <p>
 * The rate limiter is the last filter of this chain, after authorization: only requests that are
 * allowed in are counted, by their verified {@code sub} (per client IP on the open paths).
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class SecurityConfiguration {

    /** The OpenAPI documents: the gateway's index and each service's, proxied. Public, like any API description. */
    static final String API_DOCS_PATHS = "/v3/api-docs/**";

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, ReactiveJwtDecoder decoder,
            ProblemSecurityHandlers handlers, DevTokenProperties devTokens, RateLimiting rateLimiting) {
        return ChatSecurity.resourceServer(http, decoder, handlers, ChatSecurity.WEBSOCKET_PATH)
                .authorizeExchange(auth -> {
                    if (devTokens.enabled()) {
                        auth.pathMatchers(HttpMethod.POST, DevTokenProperties.PATH).permitAll();
                    }
                    auth.pathMatchers(HttpMethod.GET, "/v3/api-docs", API_DOCS_PATHS).permitAll();
                    auth.anyExchange().authenticated();
                })
                .addFilterAfter(rateLimiting.webFilter(), SecurityWebFiltersOrder.AUTHORIZATION)
                .build();
    }
}
