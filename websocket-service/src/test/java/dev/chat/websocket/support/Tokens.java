package dev.chat.websocket.support;

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

import dev.chat.testsupport.TestTokens;

/** Valid tokens with a chosen {@code iat} (or none), for revocations; signed like {@link TestTokens}. */
public final class Tokens {

    private Tokens() {
    }

    /** A token of {@code userId} issued at {@code issuedAt} (null: no {@code iat} claim), valid for an hour. */
    public static String issuedAt(String userId, Instant issuedAt) {
        try {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .subject(userId)
                    .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
            if (issuedAt != null) {
                claims.issueTime(Date.from(issuedAt));
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
            jwt.sign(new MACSigner(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
