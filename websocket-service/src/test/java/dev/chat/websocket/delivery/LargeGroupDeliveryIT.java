package dev.chat.websocket.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.chat.websocket.support.ChatEvents.conversationUpdated;
import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * Large groups' events name no members ({@code audience: "conversation"}): a session receives them because
 * the node subscribed it to its user's large conversations when it opened (message-service's
 * {@code GET /api/v1/large-conversations}, faked here), and keeps the subscriptions current from
 * membership events.
 */
@TestPropertySource(properties = "chat.ws.large-groups.load-timeout=4s")
class LargeGroupDeliveryIT extends WebSocketTestBase {

    @Autowired
    LargeGroupSubscriptions subscriptions;

    @Test
    void membersSessionsReceiveTheGroupsMessagesInOrderAndOthersNothing() {
        UUID group = UUID.randomUUID();
        String alice = user("alice");
        String bob = user("bob");
        String carol = user("carol");
        WsClient alicePhone = member(alice, group);
        WsClient aliceLaptop = member(alice, group);
        WsClient bobPhone = member(bob, group);
        WsClient carolPhone = member(carol);

        events.sendAll(LongStream.rangeClosed(1, 20).mapToObj(seq -> toGroup(message(group, seq, alice))).toList());
        // same conversation, same partition: once carol has this, she would have had the messages
        events.send(conversationUpdated(UUID.randomUUID(), group, List.of(), carol));

        for (WsClient device : List.of(alicePhone, aliceLaptop, bobPhone)) {
            assertThat(device.awaitFrames("message.created", 20)).extracting(f -> f.path("message").path("seq").asLong())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
        }
        carolPhone.awaitFrame("conversation.updated");
        assertThat(carolPhone.frames("message.created")).isEmpty();
        messageService().verify(4, getRequestedFor(urlPathEqualTo("/api/v1/large-conversations")));
    }

    @Test
    void anAddedMemberIsSubscribedAndARemovedOneUnsubscribedAfterItsLastEvent() {
        UUID group = UUID.randomUUID();
        String owner = user("owner");
        String dave = user("dave");
        WsClient ownerPhone = member(owner, group);
        WsClient davePhone = member(dave);
        awaitLoaded();

        events.send(toGroup(message(group, 1, owner)));
        // dave added: the event names him, his session is subscribed from it on
        events.send(conversationUpdated(UUID.randomUUID(), group, List.of(dave), dave).toWholeConversation(
                List.of(new Recipient(dave, true)), List.of()));
        events.send(toGroup(message(group, 2, owner)));
        // dave removed: his last event, then nothing more
        events.send(conversationUpdated(UUID.randomUUID(), group, List.of(), dave).toWholeConversation(
                List.of(new Recipient(dave, false)), List.of(dave)));
        events.send(toGroup(message(group, 3, owner)));

        assertThat(ownerPhone.awaitFrames("message.created", 3)).extracting(f -> f.path("message").path("seq").asLong())
                .containsExactly(1L, 2L, 3L);
        // a small-group event to dave on the same partition, after the group's message 3
        events.send(conversationUpdated(UUID.randomUUID(), group, List.of(), dave));
        await().atMost(WsClient.TIMEOUT).until(() -> davePhone.frames("conversation.updated").size() == 3);
        assertThat(types(davePhone)).containsExactly("session.ready", "conversation.updated", "message.created",
                "conversation.updated", "conversation.updated");
        assertThat(davePhone.frames("message.created").getFirst().path("message").path("seq").asLong()).isEqualTo(2);
    }

    /** Events that arrive while a session's subscriptions load reach it once they have loaded: in order, once. */
    @Test
    void eventsDeliveredWhileTheSubscriptionsLoadAreReplayedInOrderOnce() {
        UUID group = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        String erin = user("erin");
        String token = TestTokens.token(erin);
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations"))
                .withHeader("Authorization", equalTo("Bearer " + token))
                .willReturn(okJson(group).withFixedDelay(2_000)));
        WsClient phone = track(WsClient.ready(port, token));

        events.send(toGroup(message(group, 1, "someone")));
        events.send(toGroup(message(other, 1, "someone")));
        // erin added to another large group while loading: delivered at once, and not a second time later
        events.send(conversationUpdated(UUID.randomUUID(), other, List.of(erin), erin).toWholeConversation(
                List.of(new Recipient(erin, true)), List.of()));
        events.send(toGroup(message(other, 2, "someone")));
        events.send(toGroup(message(group, 2, "someone")));
        assertThat(subscriptions.loadingCount()).as("still loading when the events were delivered").isPositive();
        awaitLoaded();
        events.send(toGroup(message(group, 3, "someone")));
        events.send(toGroup(message(other, 3, "someone")));

        await().atMost(WsClient.TIMEOUT).until(() -> phone.frames("message.created").size() >= 5);
        List<String> received = phone.frames("message.created").stream()
                .map(f -> (f.path("message").path("conversation_id").asString().equals(group.toString()) ? "group:" : "other:")
                        + f.path("message").path("seq").asLong())
                .toList();
        assertThat(received.stream().filter(r -> r.startsWith("group:")).toList())
                .containsExactly("group:1", "group:2", "group:3");
        assertThat(received.stream().filter(r -> r.startsWith("other:")).toList())
                .containsExactly("other:2", "other:3");
        assertThat(phone.frames("conversation.updated")).hasSize(1);
    }

    @Test
    void aFailingMessageServiceIsRetriedAndNeverLeavesASessionSilentlyUnsubscribed() {
        UUID group = UUID.randomUUID();
        String frank = user("frank");
        String token = TestTokens.token(frank);
        // two 503s, then the list
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations")).inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503))
                .willSetStateTo("failed once"));
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations")).inScenario("flaky")
                .whenScenarioStateIs("failed once").willReturn(aResponse().withStatus(503))
                .willSetStateTo("recovered"));
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations")).inScenario("flaky")
                .whenScenarioStateIs("recovered").willReturn(okJson(group)));
        WsClient phone = track(WsClient.ready(port, token));
        events.send(toGroup(message(group, 1, "someone")));
        assertThat(phone.awaitFrame("message.created").path("message").path("seq").asLong()).isEqualTo(1);
        messageService().verify(3, getRequestedFor(urlPathEqualTo("/api/v1/large-conversations")));

        // message-service down for longer than load-timeout: the session is closed with 1013 (try again later)
        String grace = user("grace");
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations"))
                .withHeader("Authorization", equalTo("Bearer " + TestTokens.token(grace)))
                .willReturn(aResponse().withStatus(503)));
        WsClient gracePhone = track(WsClient.ready(port, TestTokens.token(grace)));
        assertThat(gracePhone.awaitClose()).isEqualTo(1013);
    }

    /** A connected device of {@code user}, whose large conversations message-service answers with {@code groups}. */
    private WsClient member(String user, UUID... groups) {
        String token = TestTokens.token(user);
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations"))
                .withHeader("Authorization", equalTo("Bearer " + token))
                .willReturn(okJson(groups)));
        return track(WsClient.ready(port, token));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder okJson(UUID... groups) {
        String ids = Arrays.stream(groups).map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"conversation_ids\":[" + ids + "]}");
    }

    private void awaitLoaded() {
        await().atMost(WsClient.TIMEOUT).until(() -> subscriptions.loadingCount() == 0);
    }

    private static ChatEvent toGroup(ChatEvent event) {
        return event.toWholeConversation(List.of(), List.of());
    }

    private static List<String> types(WsClient client) {
        return client.frames().stream().map(f -> f.path("type").asString()).toList();
    }
}
