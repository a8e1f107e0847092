package dev.chat.message.presence;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.Signals;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.PresenceSignal;
import dev.chat.shared.event.PresenceUpdate;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;
import tools.jackson.databind.JsonNode;

/**
 * Presence aggregated across nodes and devices: one presence.updated per flip (first session anywhere,
 * last session gone), a node whose heartbeats stop takes its users offline (node timeout 2 s here), and
 * the presence query shows only users who share a conversation with the caller.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.presence.node-timeout=2s", "chat.presence.check-interval=500ms" })
@AutoConfigureWebTestClient(timeout = "30s")
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class })
class PresenceIT {

    @Autowired
    WebTestClient client;

    Api api;
    Signals signals;
    ChatEventsProbe updates;

    @BeforeEach
    void setUp() {
        api = new Api(client);
        signals = new Signals();
        updates = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), Topics.CHAT_PRESENCE_UPDATES, false);
    }

    @AfterEach
    void tearDown() {
        signals.close();
        updates.close();
    }

    @Test
    void oneUpdatePerFlipAcrossNodesAndDevices() {
        String bob = Api.user("bob");
        String nodeA = "ws-a-" + UUID.randomUUID();
        String nodeB = "ws-b-" + UUID.randomUUID();
        signals.send(PresenceSignal.heartbeat(nodeA, 0));
        signals.send(PresenceSignal.heartbeat(nodeB, 0));
        signals.send(PresenceSignal.sessionUp(nodeA, bob, "phone"));
        await().atMost(Duration.ofSeconds(10)).until(() -> updatesOf(bob).size() == 1);
        PresenceUpdate online = updatesOf(bob).getFirst();
        assertThat(online.online()).isTrue();
        assertThat(online.lastSeenAt()).isNotNull();

        signals.send(PresenceSignal.sessionUp(nodeB, bob, "tablet"));
        signals.send(PresenceSignal.sessionDown(nodeA, bob, "phone"));
        signals.send(PresenceSignal.sessionDown(nodeB, bob, "tablet"));
        await().atMost(Duration.ofSeconds(10)).until(() -> updatesOf(bob).size() == 2);
        assertThat(updatesOf(bob)).extracting(PresenceUpdate::online).containsExactly(true, false);
        assertThat(updatesOf(bob).get(1).lastSeenAt()).isAfterOrEqualTo(online.lastSeenAt());
    }

    @Test
    void aNodeThatStopsHeartbeatingTakesItsUsersOfflineAndANodeThatShutsDownAtOnce() {
        String carol = Api.user("carol");
        String dave = Api.user("dave");
        String silent = "ws-silent-" + UUID.randomUUID();
        String leaving = "ws-leaving-" + UUID.randomUUID();
        signals.send(PresenceSignal.sessionUp(silent, carol, "phone"));
        signals.send(PresenceSignal.sessionUp(leaving, dave, "phone"));
        await().atMost(Duration.ofSeconds(10)).until(() -> updatesOf(carol).size() == 1 && updatesOf(dave).size() == 1);

        signals.send(PresenceSignal.nodeDown(leaving));
        await().atMost(Duration.ofSeconds(10)).until(() -> updatesOf(dave).size() == 2);
        assertThat(updatesOf(dave).get(1).online()).isFalse();

        // no heartbeat from the silent node after its session.up: dead after 2 s, found within 0.5 s more
        await().atMost(Duration.ofSeconds(15)).until(() -> updatesOf(carol).size() == 2);
        assertThat(updatesOf(carol).get(1).online()).isFalse();
    }

    @Test
    void theQueryShowsOnlyUsersWhoShareAConversation() {
        String alice = Api.user("alice");
        String friend = Api.user("friend");
        String stranger = Api.user("stranger");
        String never = Api.user("never-seen");
        api.direct(alice, friend);
        api.direct(alice, never);
        signals.send(PresenceSignal.sessionUp("ws-q-" + UUID.randomUUID(), friend, "phone"));
        await().atMost(Duration.ofSeconds(10)).until(() -> updatesOf(friend).size() == 1);

        JsonNode answer = api.post(alice, "/api/v1/presence/query", Map.of("user_ids", List.of(friend, stranger, never, alice)))
                .expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
        JsonNode presence = answer.get("presence");
        assertThat(presence.valueStream().map(p -> p.get("user_id").asString()).toList())
                .containsExactlyInAnyOrder(friend, never, alice);
        JsonNode friends = presence.valueStream().filter(p -> p.get("user_id").asString().equals(friend)).findFirst().orElseThrow();
        assertThat(friends.get("online").asBoolean()).isTrue();
        assertThat(friends.get("last_seen_at").isString()).isTrue();
        JsonNode nevers = presence.valueStream().filter(p -> p.get("user_id").asString().equals(never)).findFirst().orElseThrow();
        assertThat(nevers.get("online").asBoolean()).isFalse();
        assertThat(nevers.get("last_seen_at").isNull()).isTrue();

        List<String> tooMany = IntStream.range(0, 501).mapToObj(i -> "u" + i).toList();
        expectProblem(api.post(alice, "/api/v1/presence/query", Map.of("user_ids", tooMany)), 400, "invalid_parameter");
        expectProblem(api.post(alice, "/api/v1/presence/query", Map.of("user_ids", List.of(""))), 400, "invalid_parameter");
        expectProblem(api.post(alice, "/api/v1/presence/query", Map.of()), 400, "validation_failed");
    }

    private List<PresenceUpdate> updatesOf(String user) {
        return updates.valuesOf(user).stream().map(v -> ChatJson.mapper().readValue(v, PresenceUpdate.class)).toList();
    }
}
