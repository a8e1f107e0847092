package dev.chat.shared.auth;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How JWTs are verified ({@code chat.auth.jwt.*}). Production: {@code jwk-set-uri} (RS256/ES256 keys
 * of the identity provider) with {@code issuer} and {@code audience}. Local/dev: an HS256
 * {@code secret} of at least 32 bytes. With both set, the JWK set wins.
 *
 * @param secret     HS256 shared secret (local/dev)
 * @param jwkSetUri  the identity provider's JWK set
 * @param issuer     required {@code iss}, when set
 * @param audience   required in {@code aud}, when set
 * @param clockSkew  tolerated clock difference for {@code exp}/{@code nbf}
 */
@ConfigurationProperties("chat.auth.jwt")
public record JwtProperties(String secret, URI jwkSetUri, String issuer, String audience,
        @DefaultValue("30s") Duration clockSkew) {

    public static final int MIN_SECRET_BYTES = 32;

    public boolean usesJwkSet() {
        return jwkSetUri != null;
    }

    public boolean hasSecret() {
        return secret != null && !secret.isBlank();
    }
}
