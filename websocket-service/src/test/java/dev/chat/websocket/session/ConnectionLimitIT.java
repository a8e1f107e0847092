package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

/** A node at its connection limit refuses further upgrades with 503 and keeps serving what it holds. */
@TestPropertySource(properties = {"chat.ws.max-connections=3", "chat.ws.refused-retry-after.base=2s",
        "chat.ws.refused-retry-after.spread=3s"})
class ConnectionLimitIT extends WebSocketTestBase {

    @Autowired
    UpgradeAdmission admission;

    @Autowired
    SessionRegistry registry;

    @Autowired
    MeterRegistry meters;

    @BeforeEach
    void previousTestsConnectionsAreGone() {
        // slots are given back when the TCP connection has closed, which follows the client's close shortly
        await().atMost(WsClient.TIMEOUT).until(() -> admission.slots().inUse() == 0);
    }

    @Test
    void theFourthUpgradeIs503WithAJitteredRetryAfterAndTheThreeSessionsKeepWorking() throws Exception {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        WsClient aliceDevice = device(alice);
        WsClient bobDevice = device(bob);
        WsClient carolDevice = device(carol);
        double refusedBefore = meters.get("chat.ws.connections.refused").counter().count();
        assertThat(meters.get("chat.ws.connections.limit").gauge().value()).isEqualTo(3);

        RawWebSocket.HttpAnswer refused = raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.token(user("dave"))))
                .answer();

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers()).doesNotContainKey("sec-websocket-accept");
        assertThat(refused.headers().get("content-type")).startsWith("application/problem+json");
        assertThat(Long.parseLong(refused.headers().get("retry-after"))).isBetween(2L, 5L);
        JsonNode problem = ChatJson.mapper().readTree(refused.body());
        assertThat(problem.path("status").asInt()).isEqualTo(503);
        assertThat(problem.path("code").asString()).isEqualTo("too_many_connections");
        assertThat(problem.path("detail").asString()).contains("maximum of 3 WebSocket connections");
        assertThat(meters.get("chat.ws.connections.refused").counter().count()).isEqualTo(refusedBefore + 1);

        // the sessions it holds still get their events, and other endpoints still answer
        UUID conversation = UUID.randomUUID();
        events.send(message(conversation, 1, alice, alice, bob, carol));
        for (WsClient device : List.of(aliceDevice, bobDevice, carolDevice)) {
            assertThat(device.awaitFrame("message.created").path("message").path("seq").asLong()).isEqualTo(1);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/actuator/health/liveness")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }

        // once one has gone, a newcomer gets in
        aliceDevice.close();
        String dave = user("dave");
        await().atMost(WsClient.TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() ->
                raw("/ws", Map.of("Authorization", "Bearer " + TestTokens.token(dave))).answer().status() == 101);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(dave).size() == 1);
        assertThat(admission.slots().inUse()).isEqualTo(3);
    }

    @Test
    void concurrentUpgradesCannotOvershootTheLimit() throws Exception {
        List<Callable<RawWebSocket>> upgrades = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String token = TestTokens.token(user("crowd" + i));
            upgrades.add(() -> RawWebSocket.open(port, "/ws", Map.of("Authorization", "Bearer " + token)));
        }
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<RawWebSocket> upgrade : pool.invokeAll(upgrades)) {
                statuses.add(track(upgrade.get()).answer().status());
            }
        }

        assertThat(statuses).filteredOn(status -> status == 101).hasSize(3);
        assertThat(statuses).filteredOn(status -> status == 503).hasSize(5);
        assertThat(admission.slots().inUse()).isEqualTo(3);
    }
}
