package dev.chat.websocket.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.nimbusds.jose.jwk.RSAKey;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.AttackTokens;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.ChatEvents;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;

/**
 * The upgrade of a node configured as in production (a JWK set of an RSA key generated here, served on a free
 * port, with issuer and audience): the identity provider's token opens a session (header and query); HS256
 * signed with the public key, HS256 with the dev secret, another key, wrong {@code iss} or {@code aud}, and
 * {@code nbf} in the future are 401 problem+json before any WebSocket exists.
 */
class JwkSetUpgradeIT extends WebSocketTestBase {

    private static final RSAKey KEY = AttackTokens.rsaKey("idp-key-ws");
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

    @Test
    void theIdentityProvidersTokenOpensASessionByHeaderAndByQuery() {
        String user = ChatEvents.user("alice");
        String token = AttackTokens.rs256(KEY, user, claims -> { });
        for (RawWebSocket ws : new RawWebSocket[] {raw("/ws", Map.of("Authorization", "Bearer " + token)),
                raw("/ws?access_token=" + token, Map.of())}) {
            assertThat(ws.answer().status()).isEqualTo(101);
            assertThat(ChatJson.mapper().readTree(ws.readFrame().text()).path("user_id").asString()).isEqualTo(user);
        }
    }

    @Test
    void keyConfusionIsRefused() {
        expectRefused(AttackTokens.hs256WithPublicKey(KEY, ChatEvents.user("mallory")));
        expectRefused(AttackTokens.hs256WithPublicKeyDer(KEY, ChatEvents.user("mallory")));
        expectRefused(TestTokens.token(ChatEvents.user("dev")));
        expectRefused(TestTokens.unsigned(ChatEvents.user("dev")));
    }

    @Test
    void anotherKeyWrongIssuerOrAudienceAndNotYetValidAreRefused() {
        String user = ChatEvents.user("mallory");
        expectRefused(AttackTokens.rs256(AttackTokens.rsaKey("idp-key-ws"), user, claims -> { }));
        expectRefused(AttackTokens.rs256(KEY, user, claims -> claims.issuer("https://evil.test")));
        expectRefused(AttackTokens.rs256(KEY, user, claims -> claims.audience("another-api")));
        expectRefused(AttackTokens.rs256(KEY, user, claims -> claims.audience((String) null)));
        expectRefused(AttackTokens.rs256(KEY, user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(300)))));
    }

    private void expectRefused(String token) {
        for (RawWebSocket.HttpAnswer answer : new RawWebSocket.HttpAnswer[] {
                raw("/ws", Map.of("Authorization", "Bearer " + token)).answer(),
                raw("/ws?access_token=" + token, Map.of()).answer()}) {
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.headers()).doesNotContainKey("sec-websocket-accept");
            assertThat(answer.headers().get("content-type")).startsWith("application/problem+json");
            JsonNode problem = ChatJson.mapper().readTree(answer.body());
            assertThat(problem.path("code").asString()).isEqualTo("unauthorized");
        }
    }
}
