package dev.chat.gateway.devtoken;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.chat.shared.auth.JwtProperties;

/**
 * The dev token endpoint exists only with {@code chat.auth.dev-tokens.enabled=true}. Its router
 * function is consulted before the gateway's routes, so {@code /api/v1/dev/tokens} is answered
 * here and never proxied.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("chat.auth.dev-tokens.enabled")
class DevTokenConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DevTokenConfiguration.class);

    @Bean
    DevTokenIssuer devTokenIssuer(JwtProperties jwt, DevTokenProperties properties) {
        if (!jwt.hasSecret()
                || jwt.secret().getBytes(StandardCharsets.UTF_8).length < JwtProperties.MIN_SECRET_BYTES) {
            throw new IllegalStateException("chat.auth.dev-tokens.enabled=true needs chat.auth.jwt.secret "
                    + "(HS256, at least " + JwtProperties.MIN_SECRET_BYTES + " bytes) to sign dev tokens; "
                    + "set the secret or disable dev tokens");
        }
        if (jwt.usesJwkSet()) {
            throw new IllegalStateException("chat.auth.dev-tokens.enabled=true cannot be combined with "
                    + "chat.auth.jwt.jwk-set-uri: tokens are then verified against the identity provider's keys "
                    + "and dev tokens would be rejected; disable dev tokens in this environment");
        }
        log.warn("Dev tokens are ENABLED: anyone who can reach POST {} can act as any user. "
                + "Never enable this where real users are.", DevTokenProperties.PATH);
        return new DevTokenIssuer(jwt, properties, Clock.systemUTC());
    }

    @Bean
    RouterFunction<ServerResponse> devTokenRoutes(DevTokenIssuer issuer) {
        DevTokenHandler handler = new DevTokenHandler(issuer);
        return RouterFunctions.route(RequestPredicates.POST(DevTokenProperties.PATH), handler::issue);
    }
}
