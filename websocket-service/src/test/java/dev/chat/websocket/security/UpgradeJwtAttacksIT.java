package dev.chat.websocket.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.AttackTokens;
import dev.chat.websocket.support.ChatEvents;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;

/**
 * The upgrade of a node configured with an HMAC secret, attacked with tokens in the header and in
 * {@code ?access_token=}: RS256, {@code nbf} in the future (within the 30 s skew: accepted), garbage; each
 * 401 problem+json {@code unauthorized} and no WebSocket. An oversized token is a clear 4xx (431 in the
 * header, 414 in the query), never a reset, a 5xx or a hang.
 */
class UpgradeJwtAttacksIT extends WebSocketTestBase {

    static Stream<Arguments> garbage() {
        return AttackTokens.garbage(21).stream().map(g -> Arguments.of(g[0], g[1]));
    }

    @Test
    void anRs256TokenIsRefused() {
        expectRefused(AttackTokens.rs256(AttackTokens.rsaKey("attacker"), ChatEvents.user("mallory"), claims -> { }));
    }

    @Test
    void aTokenNotYetValidIsRefusedButOneWithinTheClockSkewIsAccepted() {
        String user = ChatEvents.user("early");
        expectRefused(AttackTokens.hs256(user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(300)))));

        String withinSkew = AttackTokens.hs256(user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(10))));
        try (RawWebSocket ws = RawWebSocket.open(port, withinSkew)) {
            assertThat(ws.answer().status()).isEqualTo(101);
            JsonNode ready = ChatJson.mapper().readTree(ws.readFrame().text());
            assertThat(ready.path("user_id").asString()).isEqualTo(user);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void garbageIsRefused(String kind, String token) {
        expectRefused(token);
    }

    @ParameterizedTest
    @ValueSource(ints = { 16 * 1024, 64 * 1024, 512 * 1024 })
    void anOversizedTokenIsAClear4xx(int size) {
        String token = AttackTokens.oversized(ChatEvents.user("huge"), size);
        RawWebSocket.HttpAnswer header = raw("/ws", Map.of("Authorization", "Bearer " + token)).answer();
        assertProblem(header, 431, "headers_too_large");
        RawWebSocket.HttpAnswer query = raw("/ws?access_token=" + token, Map.of()).answer();
        assertProblem(query, 414, "uri_too_long");
    }

    private void expectRefused(String token) {
        RawWebSocket.HttpAnswer header = raw("/ws", Map.of("Authorization", "Bearer " + token)).answer();
        RawWebSocket.HttpAnswer query = raw("/ws?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8),
                Map.of()).answer();
        for (RawWebSocket.HttpAnswer answer : new RawWebSocket.HttpAnswer[] {header, query}) {
            assertProblem(answer, 401, "unauthorized");
            assertThat(answer.headers()).doesNotContainKey("sec-websocket-accept");
            assertThat(answer.headers().get("www-authenticate")).isEqualTo("Bearer error=\"invalid_token\"");
        }
    }

    private static void assertProblem(RawWebSocket.HttpAnswer answer, int status, String code) {
        assertThat(answer.status()).as(answer.headers().toString()).isEqualTo(status);
        assertThat(answer.headers().get("content-type")).startsWith("application/problem+json");
        JsonNode problem = ChatJson.mapper().readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("code").asString()).isEqualTo(code);
    }
}
