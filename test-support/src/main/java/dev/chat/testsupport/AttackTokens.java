package dev.chat.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * Tokens an attacker would try (algorithm confusion, not-yet-valid, wrong issuer or audience, garbage,
 * oversized), and a local identity provider: an RSA key generated in the test and its JWK set served
 * on a free port, for services configured with {@code chat.auth.jwt.jwk-set-uri}.
 */
public final class AttackTokens {

    /** The issuer and audience a {@link JwkSetServer} configuration expects. */
    public static final String ISSUER = "https://idp.test/realms/chat";
    public static final String AUDIENCE = "chat-api";

    private AttackTokens() {
    }

    /** An RSA key pair of 2048 bits with a key id. */
    public static RSAKey rsaKey(String keyId) {
        try {
            return new RSAKeyGenerator(2048).keyID(keyId).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RS256 with {@code key}: sub, {@code iss}/{@code aud} of {@link #ISSUER}/{@link #AUDIENCE}, valid an hour, then {@code claims}. */
    public static String rs256(RSAKey key, String userId, Consumer<JWTClaimsSet.Builder> claims) {
        try {
            return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), new RSASSASigner(key),
                    userId, builder -> {
                        builder.issuer(ISSUER).audience(AUDIENCE);
                        claims.accept(builder);
                    });
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HS256 with the test secret of {@link TestTokens}, then {@code claims} (e.g. a future {@code nbf}). */
    public static String hs256(String userId, Consumer<JWTClaimsSet.Builder> claims) {
        return hs256(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8), null, userId, claims);
    }

    /**
     * The classic key confusion: HS256 whose HMAC secret is the RSA public key (as its PEM text, as a
     * verifier that took "the key" for a secret would use it), with the key's id, issuer and audience.
     */
    public static String hs256WithPublicKey(RSAKey key, String userId) {
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(publicKeyDer(key))
                + "\n-----END PUBLIC KEY-----\n";
        return hs256(pem.getBytes(StandardCharsets.US_ASCII), key.getKeyID(), userId,
                builder -> builder.issuer(ISSUER).audience(AUDIENCE));
    }

    /** The same confusion with the DER bytes of the public key as the secret. */
    public static String hs256WithPublicKeyDer(RSAKey key, String userId) {
        return hs256(publicKeyDer(key), key.getKeyID(), userId, builder -> builder.issuer(ISSUER).audience(AUDIENCE));
    }

    private static byte[] publicKeyDer(RSAKey key) {
        try {
            return key.toRSAPublicKey().getEncoded();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hs256(byte[] secret, String keyId, String userId, Consumer<JWTClaimsSet.Builder> claims) {
        try {
            return sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(keyId).build(), new MACSigner(secret), userId,
                    claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JWSHeader header, JWSSigner signer, String userId, Consumer<JWTClaimsSet.Builder> claims)
            throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .subject(userId)
                .issueTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
        claims.accept(builder);
        SignedJWT jwt = new SignedJWT(header, builder.build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** Things that are not JWTs at all, each with a name: random bytes, dots only, bad base64, JSON that is no JWT. */
    public static List<String[]> garbage(long seed) {
        Random random = new Random(seed);
        byte[] bytes = new byte[96];
        random.nextBytes(bytes);
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String header = b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        return List.of(
                new String[] {"random base64url bytes", b64},
                new String[] {"random bytes in three parts", b64.substring(0, 30) + "." + b64.substring(30, 60) + "." + b64.substring(60)},
                new String[] {"three dots", "..."},
                new String[] {"two dots", ".."},
                new String[] {"not base64", "@@@.###.$$$"},
                new String[] {"header not JSON", b64url("not json") + "." + b64url("{}") + ".c2ln"},
                new String[] {"claims not JSON", header + "." + b64url("[1,2") + ".c2ln"},
                new String[] {"claims a JSON array", header + "." + b64url("[1,2]") + ".c2ln"},
                new String[] {"five parts (JWE shape)", "a.b.c.d.e"},
                new String[] {"standard base64 with padding", Base64.getEncoder().encodeToString(bytes) + ".e30=.c2ln"},
                new String[] {"unicode", "\u00e9\u00e8.\u00e0.\u00fc"});
    }

    /** A structurally valid, HS256-signed token of about {@code bytes} bytes (a huge claim): refused or not, never a 5xx. */
    public static String oversized(String userId, int bytes) {
        return hs256(userId, builder -> builder.claim("padding", "x".repeat(bytes)));
    }

    private static String b64url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A local identity provider's JWK set: {@code GET /jwks} answers the public parts of the given keys, on a free
     * port, until closed. Counts requests, so that a test can see the keys were fetched.
     */
    public static final class JwkSetServer implements AutoCloseable {

        private final HttpServer server;
        private final AtomicInteger requests = new AtomicInteger();

        public JwkSetServer(RSAKey... keys) {
            byte[] body = new JWKSet(List.of(keys)).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
            try {
                server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/jwks", exchange -> {
                requests.incrementAndGet();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        public String uri() {
            return "http://localhost:" + server.getAddress().getPort() + "/jwks";
        }

        public int requests() {
            return requests.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
