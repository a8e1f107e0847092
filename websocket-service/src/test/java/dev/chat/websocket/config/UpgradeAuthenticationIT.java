package dev.chat.websocket.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.ChatEvents;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** The upgrade is refused with 401 problem+json, before any WebSocket exists, unless the JWT is valid. */
@ExtendWith(OutputCaptureExtension.class)
class UpgradeAuthenticationIT extends WebSocketTestBase {

    static Stream<Arguments> badTokens() {
        String user = ChatEvents.user("mallory");
        return Stream.of(
                Arguments.of("expired", TestTokens.expired(user)),
                Arguments.of("wrong signature", TestTokens.wrongSignature(user)),
                Arguments.of("alg none", TestTokens.unsigned(user)),
                Arguments.of("garbage", "not-a-jwt"));
    }

    @Test
    void upgradeWithoutTokenIs401ProblemJson() {
        RawWebSocket.HttpAnswer answer = raw("/ws", Map.of()).answer();

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.headers().get("content-type")).startsWith("application/problem+json");
        assertThat(answer.headers().get("www-authenticate")).isEqualTo("Bearer");
        assertThat(answer.headers()).doesNotContainKey("sec-websocket-accept");
        JsonNode problem = ChatJson.mapper().readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(401);
        assertThat(problem.path("code").asString()).isEqualTo("unauthorized");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void upgradeWithInvalidTokenIs401(String kind, String token) {
        RawWebSocket.HttpAnswer header = raw("/ws", Map.of("Authorization", "Bearer " + token)).answer();
        RawWebSocket.HttpAnswer query = raw("/ws?access_token=" + token, Map.of()).answer();

        for (RawWebSocket.HttpAnswer answer : new RawWebSocket.HttpAnswer[] {header, query}) {
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.headers().get("content-type")).startsWith("application/problem+json");
            assertThat(answer.headers().get("www-authenticate")).contains("invalid_token");
            assertThat(ChatJson.mapper().readTree(answer.body()).path("code").asString()).isEqualTo("unauthorized");
        }
    }

    @Test
    void realWebSocketClientIsRefusedWith401() {
        assertThatThrownBy(() -> connect(TestTokens.expired(ChatEvents.user("late"))))
                .satisfies(e -> {
                    Throwable cause = e;
                    while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
                        cause = cause.getCause();
                    }
                    assertThat(cause).isInstanceOf(WebSocketHandshakeException.class);
                    assertThat(((WebSocketHandshakeException) cause).getResponse().statusCode()).isEqualTo(401);
                });
    }

    @Test
    void tokenInQueryParameterIsAcceptedAndNeverLogged(CapturedOutput output) {
        String user = ChatEvents.user("browser");
        String token = TestTokens.token(user);
        WsClient client = track(WsClient.connectWithQueryToken(port, token));

        JsonNode ready = client.awaitFrame("session.ready");

        assertThat(ready.path("user_id").asString()).isEqualTo(user);
        assertThat(output.getAll()).doesNotContain(token);
    }

    @Test
    void identityComesOnlyFromTheToken() {
        String user = ChatEvents.user("alice");
        WsClient client = connect(TestTokens.token(user), Map.of("X-User-Id", "someone-else"));

        assertThat(client.awaitFrame("session.ready").path("user_id").asString()).isEqualTo(user);
    }

    @Test
    void healthIsOpenButOtherActuatorEndpointsNeedAToken() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> readiness = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/actuator/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("UP");
            assertThat(metrics.statusCode()).isEqualTo(401);
        }
    }
}
