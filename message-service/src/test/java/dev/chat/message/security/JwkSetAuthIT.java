package dev.chat.message.security;

import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.nimbusds.jose.jwk.RSAKey;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.testsupport.AttackTokens;
import dev.chat.testsupport.TestTokens;

/**
 * message-service configured as in production: a JWK set (an RSA key generated here, served on a free port)
 * with issuer and audience. The right RS256 token passes; the key-confusion attack (HS256 signed with the
 * public key as HMAC secret, as PEM text or DER bytes), a token of another key, wrong or missing {@code iss}
 * and {@code aud}, {@code nbf} in the future and HS256 with the dev secret are each 401 problem+json
 * {@code unauthorized}.
 */
@MessageServiceIT
class JwkSetAuthIT {

    private static final RSAKey KEY = AttackTokens.rsaKey("idp-key-1");
    private static final AttackTokens.JwkSetServer IDP = new AttackTokens.JwkSetServer(KEY);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(IDP::close, "stop-jwk-set-server"));
    }

    @DynamicPropertySource
    static void jwkSet(DynamicPropertyRegistry registry) {
        registry.add("chat.auth.jwt.jwk-set-uri", IDP::uri);
        registry.add("chat.auth.jwt.issuer", () -> AttackTokens.ISSUER);
        registry.add("chat.auth.jwt.audience", () -> AttackTokens.AUDIENCE);
    }

    @Autowired
    WebTestClient client;

    @Test
    void theIdentityProvidersTokenIsAccepted() {
        client.get().uri("/api/v1/conversations")
                .headers(h -> h.setBearerAuth(AttackTokens.rs256(KEY, Api.user("alice"), claims -> { })))
                .exchange().expectStatus().isOk();
        // an audience list that contains ours is fine too
        client.get().uri("/api/v1/conversations")
                .headers(h -> h.setBearerAuth(AttackTokens.rs256(KEY, Api.user("alice"),
                        claims -> claims.audience(List.of("other-api", AttackTokens.AUDIENCE)))))
                .exchange().expectStatus().isOk();
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() {
        expectUnauthorized(AttackTokens.hs256WithPublicKey(KEY, Api.user("mallory")));
        expectUnauthorized(AttackTokens.hs256WithPublicKeyDer(KEY, Api.user("mallory")));
    }

    @Test
    void theDevSecretMeansNothingWhenAJwkSetIsConfigured() {
        // AuthTestConfiguration sets chat.auth.jwt.secret too: the JWK set wins, HS256 is not accepted at all
        expectUnauthorized(TestTokens.token(Api.user("dev")));
        expectUnauthorized(TestTokens.unsigned(Api.user("dev")));
    }

    @Test
    void aTokenOfAnotherKeyIsRefused() {
        expectUnauthorized(AttackTokens.rs256(AttackTokens.rsaKey("idp-key-1"), Api.user("mallory"), claims -> { }));
        expectUnauthorized(AttackTokens.rs256(AttackTokens.rsaKey("unknown-kid"), Api.user("mallory"), claims -> { }));
    }

    @Test
    void wrongOrMissingIssuerOrAudienceIsRefused() {
        String user = Api.user("mallory");
        expectUnauthorized(AttackTokens.rs256(KEY, user, claims -> claims.issuer("https://evil.test/realms/chat")));
        expectUnauthorized(AttackTokens.rs256(KEY, user, claims -> claims.issuer(AttackTokens.ISSUER + "/")));
        expectUnauthorized(AttackTokens.rs256(KEY, user, claims -> claims.issuer(null)));
        expectUnauthorized(AttackTokens.rs256(KEY, user, claims -> claims.audience("another-api")));
        expectUnauthorized(AttackTokens.rs256(KEY, user, claims -> claims.audience((String) null)));
    }

    @Test
    void aTokenNotYetValidIsRefusedButOneWithinTheClockSkewIsAccepted() {
        String user = Api.user("early");
        expectUnauthorized(AttackTokens.rs256(KEY, user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(300)))));
        client.get().uri("/api/v1/conversations")
                .headers(h -> h.setBearerAuth(AttackTokens.rs256(KEY, user,
                        claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(10))))))
                .exchange().expectStatus().isOk();
    }

    @Test
    void anExpiredTokenOfTheRightKeyIsRefused() {
        expectUnauthorized(AttackTokens.rs256(KEY, Api.user("late"),
                claims -> claims.expirationTime(Date.from(Instant.now().minusSeconds(120)))));
    }

    private void expectUnauthorized(String token) {
        client.get().uri("/api/v1/conversations").headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
                .expectBody().jsonPath("$.code").isEqualTo("unauthorized");
    }
}
