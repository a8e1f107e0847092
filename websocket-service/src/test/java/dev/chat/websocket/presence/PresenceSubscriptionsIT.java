package dev.chat.websocket.presence;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.chat.shared.event.PresenceUpdate;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.session.ChatSession;
import dev.chat.websocket.session.SessionRegistry;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * presence.subscribe: the state of the users message-service allows at once, then their updates, to
 * the subscribed sessions only. "Nothing arrived" is asserted once a later update, published to the
 * same partition (same key) and therefore read after it, has reached the same socket.
 */
class PresenceSubscriptionsIT extends WebSocketTestBase {

    private static final String LAST_SEEN = "2026-11-21T10:00:00.000Z";

    @Autowired
    PresenceSubscriptions subscriptions;

    @Autowired
    SessionRegistry registry;

    @Test
    void subscribeAnswersTheCurrentStateOfTheUsersMessageServiceAllows() {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        String stranger = user("stranger");
        String token = TestTokens.token(alice);
        WsClient device = track(WsClient.ready(port, token));
        messageService().stubFor(query(bob, carol, stranger)
                .withHeader("Authorization", equalTo("Bearer " + token))
                .willReturn(answer(state(bob, true, null), state(carol, false, LAST_SEEN))));

        device.send(subscribe(bob, carol, stranger, bob));

        List<JsonNode> states = device.awaitFrames("presence.updated", 2);
        assertThat(states).extracting(JsonNode::toString).containsExactly(
                "{\"type\":\"presence.updated\",\"user_id\":\"" + bob + "\",\"online\":true,\"last_seen_at\":null}",
                "{\"type\":\"presence.updated\",\"user_id\":\"" + carol + "\",\"online\":false,\"last_seen_at\":\""
                        + LAST_SEEN + "\"}");
        // the stranger shares no conversation with alice: an update of theirs never reaches her
        publish(stranger, true, bob);
        publish(bob, false, bob);
        JsonNode update = device.awaitFrame(f -> "presence.updated".equals(f.path("type").asString())
                && !f.path("online").asBoolean() && bob.equals(f.path("user_id").asString()));
        assertThat(update.path("last_seen_at").asString()).matches(".*T.*\\.\\d{3}Z");
        assertThat(device.frames("presence.updated")).extracting(f -> f.path("user_id").asString())
                .containsExactly(bob, carol, bob);
        assertThat(subscriptions.subscribedTo(onlySession(alice))).containsExactlyInAnyOrder(bob, carol);
    }

    @Test
    void updatesReachSubscribersOnlyAndOnceEach() {
        String alice = user("alice");
        String dave = user("dave");
        String bob = user("bob");
        String carol = user("carol");
        WsClient subscriber = device(alice);
        WsClient other = device(dave);
        messageService().stubFor(query(bob).willReturn(answer(state(bob, false, LAST_SEEN))));
        messageService().stubFor(query(carol).willReturn(answer(state(carol, false, LAST_SEEN))));
        subscriber.send(subscribe(bob));
        other.send(subscribe(carol));
        subscriber.awaitFrame("presence.updated");
        other.awaitFrame("presence.updated");

        PresenceUpdate online = PresenceUpdate.of(bob, true, Instant.now());
        events.publish(Topics.CHAT_PRESENCE_UPDATES, bob, online);
        events.publish(Topics.CHAT_PRESENCE_UPDATES, bob, online);                      // redelivered
        events.publish(Topics.CHAT_PRESENCE_UPDATES, bob, PresenceUpdate.of(carol, true, Instant.now()));
        events.publish(Topics.CHAT_PRESENCE_UPDATES, bob, PresenceUpdate.of(bob, false, Instant.now()));

        subscriber.awaitFrames("presence.updated", 3);
        other.awaitFrames("presence.updated", 2);
        assertThat(subscriber.frames("presence.updated")).extracting(f -> f.path("user_id").asString() + ":"
                + f.path("online").asBoolean()).containsExactly(bob + ":false", bob + ":true", bob + ":false");
        assertThat(other.frames("presence.updated")).extracting(f -> f.path("user_id").asString() + ":"
                + f.path("online").asBoolean()).containsExactly(carol + ":false", carol + ":true");
    }

    @Test
    void aNewSubscriptionReplacesTheOldOneAndAnEmptyOneEndsIt() {
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        WsClient device = device(alice);
        messageService().stubFor(query(bob).willReturn(answer(state(bob, true, null))));
        messageService().stubFor(query(carol).willReturn(answer(state(carol, true, null))));
        device.send(subscribe(bob));
        device.awaitFrame(f -> bob.equals(f.path("user_id").asString()));

        device.send(subscribe(carol));
        device.awaitFrame(f -> carol.equals(f.path("user_id").asString()));
        publish(bob, false, carol);
        publish(carol, false, carol);
        device.awaitFrame(f -> carol.equals(f.path("user_id").asString()) && !f.path("online").asBoolean());
        assertThat(device.frames("presence.updated")).extracting(f -> f.path("user_id").asString())
                .containsExactly(bob, carol, carol);

        int pairs = subscriptions.pairs();
        device.send("{\"type\":\"presence.subscribe\",\"user_ids\":[]}");
        await().atMost(WsClient.TIMEOUT).until(() -> subscriptions.subscribedTo(onlySession(alice)).isEmpty());
        assertThat(subscriptions.pairs()).isEqualTo(pairs - 1);
        // nothing to ask message-service for an empty set
        messageService().verify(2, postRequestedFor(urlPathEqualTo("/api/v1/presence/query")));
    }

    @Test
    void closingTheSessionEndsItsSubscriptions() {
        String alice = user("alice");
        String bob = user("bob");
        WsClient device = device(alice);
        messageService().stubFor(query(bob).willReturn(answer(state(bob, true, null))));
        int before = subscriptions.pairs();
        device.send(subscribe(bob));
        device.awaitFrame("presence.updated");
        assertThat(subscriptions.pairs()).isEqualTo(before + 1);

        device.close();

        await().atMost(WsClient.TIMEOUT).until(() -> subscriptions.pairs() == before);
        assertThat(subscriptions.isWatched(bob)).isFalse();
    }

    @Test
    void anUpdateWhileMessageServiceIsAskedFollowsTheStateItAnswered() {
        String alice = user("alice");
        String bob = user("bob");
        WsClient device = device(alice);
        messageService().stubFor(query(bob).willReturn(answer(state(bob, true, null)).withFixedDelay(1_500)));

        device.send(subscribe(bob));
        await().atMost(WsClient.TIMEOUT).until(() -> !messageService().findAll(
                postRequestedFor(urlPathEqualTo("/api/v1/presence/query"))).isEmpty());
        publish(bob, false, bob);

        List<JsonNode> frames = device.awaitFrames("presence.updated", 2);
        assertThat(frames).extracting(f -> f.path("online").asBoolean()).containsExactly(true, false);
    }

    @Test
    void aFailedQueryIsAnErrorWithTheRefAndSubscribesNothing() {
        String alice = user("alice");
        String bob = user("bob");
        WsClient device = device(alice);
        messageService().stubFor(query(bob).willReturn(aResponse().withStatus(503)));

        device.send("{\"type\":\"presence.subscribe\",\"ref\":\"p\",\"user_ids\":[\"" + bob + "\"]}");

        JsonNode error = device.awaitFrame("error");
        assertThat(error.path("code").asString()).isEqualTo("presence_failed");
        assertThat(error.path("ref").asString()).isEqualTo("p");
        assertThat(subscriptions.isWatched(bob)).isFalse();
    }

    private MappingBuilder query(String... users) {
        ArrayNode ids = ChatJson.mapper().createArrayNode();
        for (String user : new LinkedHashSet<>(List.of(users))) {
            ids.add(user);
        }
        return post(urlPathEqualTo("/api/v1/presence/query"))
                .withRequestBody(equalToJson("{\"user_ids\":" + ids + "}"));
    }

    private static ResponseDefinitionBuilder answer(ObjectNode... states) {
        ObjectNode body = ChatJson.mapper().createObjectNode();
        body.putArray("presence").addAll(List.of(states));
        return okJson(body.toString());
    }

    private static ObjectNode state(String user, boolean online, String lastSeenAt) {
        ObjectNode state = ChatJson.mapper().createObjectNode().put("user_id", user).put("online", online);
        return lastSeenAt == null ? state.putNull("last_seen_at") : state.put("last_seen_at", lastSeenAt);
    }

    private static String subscribe(String... users) {
        return "{\"type\":\"presence.subscribe\",\"user_ids\":" + ChatJson.mapper().valueToTree(List.of(users)) + "}";
    }

    /** A presence update for {@code user}, keyed by {@code key} (one key: one partition: read in order). */
    private static void publish(String user, boolean online, String key) {
        events.publish(Topics.CHAT_PRESENCE_UPDATES, key, new PresenceUpdate(UUID.randomUUID(),
                PresenceUpdate.CURRENT_VERSION, user, online, Instant.now()));
    }

    private ChatSession onlySession(String user) {
        return registry.sessionsOf(user).getFirst();
    }
}
