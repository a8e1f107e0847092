package dev.chat.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Tokens for tests, signed with {@link #SECRET} (set as {@code chat.auth.jwt.secret} by
 * {@link AuthTestConfiguration}), and deliberately broken ones.
 */
public final class TestTokens {

    public static final String SECRET = "test-secret-that-is-at-least-32-bytes-long!";

    private TestTokens() {
    }

    public static String token(String userId) {
        return token(userId, userId.toUpperCase(), Duration.ofHours(1), SECRET);
    }

    public static String token(String userId, String name) {
        return token(userId, name, Duration.ofHours(1), SECRET);
    }

    public static String expired(String userId) {
        return token(userId, null, Duration.ofMinutes(-5), SECRET);
    }

    public static String wrongSignature(String userId) {
        return token(userId, null, Duration.ofHours(1), "another-secret-that-is-at-least-32-bytes!");
    }

    /** {@code alg: none}: header and claims, no signature. */
    public static String unsigned(String userId) {
        String header = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        String claims = base64("{\"sub\":\"" + userId + "\",\"exp\":" + Instant.now().plusSeconds(3600).getEpochSecond() + "}");
        return header + "." + claims + ".";
    }

    public static String token(String userId, String name, Duration validFor, String secret) {
        try {
            Instant now = Instant.now();
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .subject(userId)
                    .issueTime(Date.from(now.minusSeconds(60)))
                    .expirationTime(Date.from(now.plus(validFor)));
            if (name != null) {
                claims.claim("name", name);
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64(String json) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
