package dev.chat.gateway.devtoken;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

import dev.chat.shared.auth.JwtProperties;

/**
 * Signs HS256 tokens with {@code chat.auth.jwt.secret}, shaped like the ones the services verify:
 * {@code sub} = user id, optional {@code name}, {@code iss} and {@code aud} when configured.
 */
class DevTokenIssuer {

    private final JwtEncoder encoder;
    private final JwtProperties jwt;
    private final DevTokenProperties properties;
    private final Clock clock;

    DevTokenIssuer(JwtProperties jwt, DevTokenProperties properties, Clock clock) {
        this.encoder = NimbusJwtEncoder
                .withSecretKey(new SecretKeySpec(jwt.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
                .algorithm(MacAlgorithm.HS256)
                .build();
        this.jwt = jwt;
        this.properties = properties;
        this.clock = clock;
    }

    DevTokenResponse issue(String userId, String name) {
        // whole seconds, so that expires_at is exactly the token's exp
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expiresAt = now.plus(properties.ttl());
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
                .subject(userId)
                .issuedAt(now)
                .expiresAt(expiresAt);
        if (name != null && !name.isBlank()) {
            claims.claim("name", name);
        }
        if (jwt.issuer() != null && !jwt.issuer().isBlank()) {
            claims.issuer(jwt.issuer());
        }
        if (jwt.audience() != null && !jwt.audience().isBlank()) {
            claims.audience(List.of(jwt.audience()));
        }
        JwsHeader header = JwsHeader.with(MacAlgorithm.HS256).type("JWT").build();
        String token = encoder.encode(JwtEncoderParameters.from(header, claims.build())).getTokenValue();
        return new DevTokenResponse(token, expiresAt);
    }
}
