package dev.chat.shared.auth;

import org.springframework.http.HttpMethod;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;

import dev.chat.shared.problem.ProblemSecurityHandlers;

/**
 * The security setup every service starts from: stateless, JWT bearer tokens verified by the
 * shared decoder, 401/403 as problem+json, health probes open. Services add their own rules.
 */
public final class ChatSecurity {

    private ChatSecurity() {
    }

    /**
     * @param allowQueryToken accept {@code ?access_token=} (only for the WebSocket upgrade, which
     *                        browsers cannot give headers)
     */
    public static ServerHttpSecurity resourceServer(ServerHttpSecurity http, ReactiveJwtDecoder decoder,
            ProblemSecurityHandlers handlers, boolean allowQueryToken) {
        ServerBearerTokenAuthenticationConverter tokens = new ServerBearerTokenAuthenticationConverter();
        tokens.setAllowUriQueryParameter(allowQueryToken);
        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
                .securityContextRepository(org.springframework.security.web.server.context.NoOpServerSecurityContextRepository.getInstance())
                .exceptionHandling(ex -> ex
                        .authenticationEntryPoint(handlers)
                        .accessDeniedHandler(handlers))
                .oauth2ResourceServer(rs -> rs
                        .bearerTokenConverter(tokens)
                        .authenticationEntryPoint(handlers)
                        .accessDeniedHandler(handlers)
                        .jwt(jwt -> jwt.jwtDecoder(decoder)))
                .authorizeExchange(auth -> auth
                        .pathMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/**", "/actuator/info")
                        .permitAll());
    }
}
