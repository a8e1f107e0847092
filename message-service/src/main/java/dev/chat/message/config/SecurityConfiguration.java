package dev.chat.message.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.chat.shared.auth.ChatSecurity;
import dev.chat.shared.problem.ProblemSecurityHandlers;

/**
 * The service verifies every JWT itself, so it is safe when reached without the gateway;
 * the caller is always the token's {@code sub}, never a header.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class SecurityConfiguration {

    /** Spring Security's authority for the JWT scope {@code chat:admin} ({@code "scope": "chat:admin"}). */
    static final String ADMIN_AUTHORITY = "SCOPE_chat:admin";

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, ReactiveJwtDecoder decoder,
            ProblemSecurityHandlers handlers) {
        return ChatSecurity.resourceServer(http, decoder, handlers, null)
                .authorizeExchange(auth -> auth
                        // the OpenAPI description (OpenApiConfiguration) is public, like any API documentation
                        .pathMatchers(HttpMethod.GET, ChatSecurity.API_DOCS_PATHS).permitAll()
                        // operator actions (token revocation): a token with the scope chat:admin only
                        .pathMatchers("/api/v1/admin/**").hasAuthority(ADMIN_AUTHORITY)
                        .anyExchange().authenticated())
                .build();
    }
}
