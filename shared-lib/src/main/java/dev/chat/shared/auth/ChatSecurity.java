package dev.chat.shared.auth;

import org.springframework.http.HttpMethod;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;

import dev.chat.shared.problem.ProblemSecurityHandlers;

/**
 * The security setup every service starts from: stateless, JWT bearer tokens verified by the
 * shared decoder, 401/403 as problem+json, health probes open. Services add their own rules.
 */
public final class ChatSecurity {

    /** The WebSocket upgrade: the one request that may carry its token as {@code ?access_token=}. */
    public static final String WEBSOCKET_PATH = "/ws";

    /** The OpenAPI description of a service: public, like any API documentation. */
    public static final String[] API_DOCS_PATHS = { "/v3/api-docs", "/v3/api-docs/**", "/v3/api-docs.yaml" };

    private ChatSecurity() {
    }

    /**
     * @param queryTokenPath the one path where {@code ?access_token=} is accepted besides the
     *                       Authorization header ({@link #WEBSOCKET_PATH}: browsers cannot give a
     *                       WebSocket upgrade headers), or null; everywhere else tokens stay out of URLs
     */
    public static ServerHttpSecurity resourceServer(ServerHttpSecurity http, ReactiveJwtDecoder decoder,
            ProblemSecurityHandlers handlers, String queryTokenPath) {
        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .exceptionHandling(ex -> ex
                        .authenticationEntryPoint(handlers)
                        .accessDeniedHandler(handlers))
                .oauth2ResourceServer(rs -> rs
                        .bearerTokenConverter(bearerTokens(queryTokenPath))
                        .authenticationEntryPoint(handlers)
                        .accessDeniedHandler(handlers)
                        .jwt(jwt -> jwt.jwtDecoder(decoder)))
                .authorizeExchange(auth -> auth
                        .pathMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/**", "/actuator/info")
                        .permitAll());
    }

    /** The Authorization header everywhere; {@code ?access_token=} too, but only on {@code queryTokenPath}. */
    static ServerAuthenticationConverter bearerTokens(String queryTokenPath) {
        ServerBearerTokenAuthenticationConverter headerOnly = new ServerBearerTokenAuthenticationConverter();
        if (queryTokenPath == null) {
            return headerOnly;
        }
        ServerBearerTokenAuthenticationConverter headerOrQuery = new ServerBearerTokenAuthenticationConverter();
        headerOrQuery.setAllowUriQueryParameter(true);
        return exchange -> queryTokenPath.equals(exchange.getRequest().getPath().pathWithinApplication().value())
                ? headerOrQuery.convert(exchange)
                : headerOnly.convert(exchange);
    }
}
