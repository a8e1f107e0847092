package dev.chat.gateway.security;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;

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

    /** The WebSocket upgrade: the one request that may carry its token as {@code ?access_token=}. */
    static final String WEBSOCKET_PATH = "/ws";

    /** The OpenAPI documents: the gateway's index and each service's, proxied. Public, like any API description. */
    static final String API_DOCS_PATHS = "/v3/api-docs/**";

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, ReactiveJwtDecoder decoder,
            ProblemSecurityHandlers handlers, DevTokenProperties devTokens, RateLimiting rateLimiting) {
        return ChatSecurity.resourceServer(http, decoder, handlers, true)
                .oauth2ResourceServer(rs -> rs.bearerTokenConverter(queryTokenOnlyForWebSocket()))
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

    /**
     * Browsers cannot set headers on a WebSocket upgrade, so {@code GET /ws?access_token=} is accepted;
     * on every other path only the Authorization header counts, so tokens stay out of REST URLs
     * (and out of whatever logs URLs behind us).
     */
    static ServerAuthenticationConverter queryTokenOnlyForWebSocket() {
        ServerBearerTokenAuthenticationConverter headerOrQuery = new ServerBearerTokenAuthenticationConverter();
        headerOrQuery.setAllowUriQueryParameter(true);
        ServerBearerTokenAuthenticationConverter headerOnly = new ServerBearerTokenAuthenticationConverter();
        return exchange -> WEBSOCKET_PATH.equals(exchange.getRequest().getPath().pathWithinApplication().value())
                ? headerOrQuery.convert(exchange)
                : headerOnly.convert(exchange);
    }
}
