package dev.chat.shared.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;

import dev.chat.shared.json.TextRules;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Builds the one JWT decoder every service uses, from {@link JwtProperties}. Unsigned tokens
 * ({@code alg: none}) and algorithms other than the configured ones are rejected by Nimbus.
 */
public final class ChatJwtDecoders {

    /** User ids are opaque strings of 1..128 characters (API.md). */
    public static final int MAX_USER_ID_LENGTH = 128;

    private ChatJwtDecoders() {
    }

    public static ReactiveJwtDecoder create(JwtProperties properties) {
        NimbusReactiveJwtDecoder decoder;
        if (properties.usesJwkSet()) {
            decoder = NimbusReactiveJwtDecoder.withJwkSetUri(properties.jwkSetUri().toString())
                    .jwsAlgorithms(algorithms -> {
                        algorithms.add(SignatureAlgorithm.RS256);
                        algorithms.add(SignatureAlgorithm.ES256);
                    })
                    .build();
        } else if (properties.hasSecret()) {
            byte[] secret = properties.secret().getBytes(StandardCharsets.UTF_8);
            if (secret.length < JwtProperties.MIN_SECRET_BYTES) {
                throw new IllegalStateException("chat.auth.jwt.secret must be at least "
                        + JwtProperties.MIN_SECRET_BYTES + " bytes for HS256");
            }
            decoder = NimbusReactiveJwtDecoder.withSecretKey(new SecretKeySpec(secret, "HmacSHA256"))
                    .macAlgorithm(MacAlgorithm.HS256)
                    .build();
        } else {
            throw new IllegalStateException("No JWT verification configured: set chat.auth.jwt.jwk-set-uri "
                    + "(production, with issuer and audience) or chat.auth.jwt.secret (local/dev, HS256)");
        }
        decoder.setJwtValidator(validator(properties));
        // bounded: the tokens of the users active in the last minutes of this instance
        return new CachingJwtDecoder(decoder, properties.clockSkew(), 10_000, Duration.ofMinutes(5), java.time.Clock.systemUTC());
    }

    static OAuth2TokenValidator<Jwt> validator(JwtProperties properties) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(properties.clockSkew()));
        validators.add(new JwtClaimValidator<Object>(JwtClaimNames.EXP, exp -> exp != null));
        validators.add(ChatJwtDecoders::validSubject);
        if (properties.issuer() != null && !properties.issuer().isBlank()) {
            validators.add(new JwtIssuerValidator(properties.issuer()));
        }
        if (properties.audience() != null && !properties.audience().isBlank()) {
            validators.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
                    aud -> aud != null && aud.contains(properties.audience())));
        }
        return new DelegatingOAuth2TokenValidator<>(validators);
    }

    private static OAuth2TokenValidatorResult validSubject(Jwt jwt) {
        String sub = jwt.getSubject();
        if (sub == null || sub.isBlank() || sub.length() > MAX_USER_ID_LENGTH || TextRules.hasControlCharacter(sub)
                || TextRules.problem(sub) != null) {
            return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token",
                    "sub must be a user id of 1.." + MAX_USER_ID_LENGTH + " characters without control characters", null));
        }
        return OAuth2TokenValidatorResult.success();
    }
}
