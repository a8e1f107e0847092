package dev.chat.gateway.devtoken;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code chat.auth.dev-tokens.*}: the token endpoint for trying the system without an identity
 * provider. Off unless {@code enabled} is true; never enable it where real users are.
 *
 * @param enabled serve {@code POST /api/v1/dev/tokens}
 * @param ttl     how long an issued token is valid
 */
@ConfigurationProperties("chat.auth.dev-tokens")
public record DevTokenProperties(@DefaultValue("false") boolean enabled, @DefaultValue("24h") Duration ttl) {

    public static final String PATH = "/api/v1/dev/tokens";

    public DevTokenProperties {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("chat.auth.dev-tokens.ttl must be positive, was " + ttl);
        }
    }
}
