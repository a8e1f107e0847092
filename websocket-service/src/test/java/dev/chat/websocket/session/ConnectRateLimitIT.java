package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.shared.limit.UpgradeAdmission;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * The node's own connect-rate limit (production routes {@code /ws} straight to the nodes): a user's upgrades
 * beyond the bucket are refused 429 before anything is upgraded, as the gateway refuses them; other users and
 * the sessions already open are unaffected. A burst of 3, then one token every 20 s: nothing refills during
 * the test.
 */
@TestPropertySource(properties = {"chat.ws.connect-rate.capacity=3", "chat.ws.connect-rate.refill-per-second=0.05",
        "chat.ws.max-connections=50"})
class ConnectRateLimitIT extends WebSocketTestBase {

    @Autowired
    MeterRegistry meters;

    @Autowired
    UpgradeAdmission admission;

    @BeforeEach
    void previousTestsConnectionsAreGone() {
        await().atMost(WsClient.TIMEOUT).until(() -> admission.slots().inUse() == 0);
    }

    @Test
    void theFourthConnectOfOneUserIs429WithRetryAfterAndAnotherUserIsUnaffected() throws Exception {
        String alice = user("alice");
        String bob = user("bob");
        List<WsClient> aliceDevices = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            aliceDevices.add(device(alice));
        }
        double refusedBefore = meters.get("chat.ws.connections.rate-limited").counter().count();

        // a real WebSocket client is refused at the handshake, with the status
        assertThatThrownBy(() -> jdkConnect(TestTokens.token(alice)))
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .cause().satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(429));

        // the answer itself: what the gateway answers for its websocket-connect rule, and no upgrade
        RawWebSocket.HttpAnswer refused = raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.token(alice))).answer();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers()).doesNotContainKey("sec-websocket-accept");
        assertThat(refused.headers().get("content-type")).startsWith("application/problem+json");
        assertThat(Long.parseLong(refused.headers().get("retry-after"))).isBetween(1L, 20L);
        assertThat(refused.headers().get("x-ratelimit-remaining")).isEqualTo("0");
        JsonNode problem = ChatJson.mapper().readTree(refused.body());
        assertThat(problem.path("status").asInt()).isEqualTo(429);
        assertThat(problem.path("code").asString()).isEqualTo("rate_limited");
        assertThat(problem.path("detail").asString())
                .contains("limit 'websocket-connect' allows 3 at once and 0.05 per second; retry in");
        assertThat(meters.get("chat.ws.connections.rate-limited").counter().count()).isEqualTo(refusedBefore + 2);
        // refused before the connection limit: the two refusals took no slot
        assertThat(admission.slots().inUse()).isEqualTo(3);

        // another user connects as usual, and the user's open sessions keep receiving
        RawWebSocket.HttpAnswer allowed = raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.token(bob))).answer();
        assertThat(allowed.status()).isEqualTo(101);
        assertThat(allowed.headers().get("x-ratelimit-remaining")).isEqualTo("2");
        WsClient bobDevice = device(bob);
        UUID conversation = UUID.randomUUID();
        events.send(message(conversation, 1, alice, alice, bob));
        for (WsClient device : aliceDevices) {
            assertThat(device.awaitFrame("message.created").path("message").path("seq").asLong()).isEqualTo(1);
        }
        assertThat(bobDevice.awaitFrame("message.created").path("message").path("seq").asLong()).isEqualTo(1);

        // closing sessions gives no token back: it is a rate, not a count
        aliceDevices.getFirst().close();
        await().atMost(WsClient.TIMEOUT).until(() -> admission.slots().inUse() == 4);
        assertThat(raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.token(alice))).answer().status())
                .isEqualTo(429);
    }

    @Test
    void upgradesWithoutAValidTokenAre401AndDrainNothing() {
        String carol = user("carol");
        for (int i = 0; i < 5; i++) {
            assertThat(raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.expired(carol))).answer().status())
                    .isEqualTo(401);
        }
        for (int i = 0; i < 3; i++) {
            device(carol);
        }
        assertThat(raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.token(carol))).answer().status())
                .isEqualTo(429);
    }

    private WebSocket jdkConnect(String token) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token)
                    .buildAsync(URI.create("ws://localhost:" + port + "/ws"), new WebSocket.Listener() {
                    })
                    .get(10, TimeUnit.SECONDS);
        }
    }
}
