package dev.chat.message.conversation;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;
import tools.jackson.databind.JsonNode;

/**
 * Large groups (here: more than 5 members, so the tests stay small): their events are for the whole
 * conversation and never list every member, so event size does not grow with the group; membership
 * events name only whom nodes must subscribe or unsubscribe; the member cap (1,200 here) refuses more.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.conversations.recipient-list-threshold=5", "chat.conversations.max-members=1200" })
@AutoConfigureWebTestClient(timeout = "30s")
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class })
class LargeGroupIT {

    @Autowired
    WebTestClient client;

    ChatEventsProbe probe;
    Api api;
    ConversationCalls calls;

    @BeforeEach
    void listen() {
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
        api = new Api(client);
        calls = new ConversationCalls(client);
    }

    @AfterEach
    void stop() {
        probe.close();
    }

    @Test
    void eventsOfALargeGroupAreForTheWholeConversationAndDoNotGrowWithIt() {
        String owner = Api.user("owner");
        UUID small = api.group(owner, members("s", 3).toArray(String[]::new));
        UUID large = api.group(owner, members("l", 20).toArray(String[]::new));
        UUID huge = api.group(owner, members("h", 999).toArray(String[]::new));
        for (UUID group : List.of(small, large, huge)) {
            api.send(owner, group, "same text everywhere");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> List.of(small, large, huge).stream()
                .allMatch(g -> probe.events(g, "message.created").size() == 1));

        ChatEvent toSmall = probe.events(small, "message.created").getFirst();
        assertThat(toSmall.toConversation()).isFalse();
        assertThat(toSmall.recipients()).hasSize(4);
        ChatEvent toLarge = probe.events(large, "message.created").getFirst();
        ChatEvent toHuge = probe.events(huge, "message.created").getFirst();
        assertThat(toLarge.toConversation()).isTrue();
        assertThat(toLarge.recipients()).isEmpty();
        // the same message to 21 or to 1,000 members: the same size (give or take the ids in it)
        assertThat(Math.abs(bytes(huge, "message.created") - bytes(large, "message.created"))).isLessThan(50);
        assertThat(bytes(huge, "message.created")).isLessThan(2_000);

        // the owner's large conversations, for nodes subscribing a new session
        JsonNode mine = api.get(owner, "/api/v1/large-conversations").expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(mine.get("conversation_ids").valueStream().map(JsonNode::asString).toList())
                .containsExactlyInAnyOrder(large.toString(), huge.toString());
    }

    /** A large group's message names only who wants a push: notify = all, and the mentioned (default: mentions). */
    @Test
    void aLargeGroupsMessageNamesOnlyWhoWantsAPush() {
        String owner = Api.user("owner");
        List<String> members = members("p", 10);
        UUID group = api.group(owner, members.toArray(String[]::new));
        String loud = members.get(0);
        String mentioned = members.get(1);
        String mentionedButMuted = members.get(2);
        String mentionedButNone = members.get(3);
        calls.settings(loud, group, Map.of("notify", "all")).expectStatus().isOk();
        calls.settings(mentionedButMuted, group, Map.of("muted_until", "2099-01-01T00:00:00.000Z")).expectStatus().isOk();
        calls.settings(mentionedButNone, group, Map.of("notify", "none")).expectStatus().isOk();
        api.post(owner, "/api/v1/messages", Map.of("conversation_id", group, "content", "hey you three",
                        "mentions", List.of(Map.of("user_id", mentioned, "offset", 0, "length", 3),
                                Map.of("user_id", mentionedButMuted, "offset", 4, "length", 3),
                                Map.of("user_id", mentionedButNone, "offset", 8, "length", 5))))
                .expectStatus().isCreated();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.events(group, "message.created").size() == 1);
        ChatEvent event = probe.events(group, "message.created").getFirst();
        assertThat(event.toConversation()).isTrue();
        assertThat(event.recipients()).containsExactlyInAnyOrder(new Recipient(loud, true), new Recipient(mentioned, true));
    }

    @Test
    void membershipEventsNameOnlyWhomNodesMustSubscribeOrUnsubscribe() {
        String owner = Api.user("owner");
        List<String> first = members("a", 4);
        UUID group = api.group(owner, first.toArray(String[]::new)); // 5 members: still names them all
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.events(group, "conversation.updated").size() == 1);
        assertThat(probe.events(group, "conversation.updated").getFirst().toConversation()).isFalse();

        // crossing the threshold: the one event that names every member, so their sessions get subscribed
        calls.add(owner, group, List.of(Api.user("b1"), Api.user("b2"))).expectStatus().isOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.events(group, "conversation.updated").size() == 2);
        ChatEvent crossing = probe.events(group, "conversation.updated").get(1);
        assertThat(crossing.toConversation()).isTrue();
        assertThat(crossing.recipients()).hasSize(7);

        // later adds name only the added
        String late = Api.user("late");
        calls.add(owner, group, List.of(late)).expectStatus().isOk();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.events(group, "conversation.updated").size() == 3);
        ChatEvent added = probe.events(group, "conversation.updated").get(2);
        assertThat(added.recipients()).containsExactly(new Recipient(late, false));
        assertThat(added.unsubscribe()).isEmpty();

        // a removal reaches the removed user (their last event) and unsubscribes them
        String leaving = first.getFirst();
        calls.remove(owner, group, leaving).expectStatus().isNoContent();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.events(group, "conversation.updated").size() == 4);
        ChatEvent removed = probe.events(group, "conversation.updated").get(3);
        assertThat(removed.toConversation()).isTrue();
        assertThat(removed.recipients()).containsExactly(new Recipient(leaving, false));
        assertThat(removed.unsubscribe()).containsExactly(leaving);
        assertThat(calls.get(owner, group).get("participant_count").asInt()).isEqualTo(7);

        // edits and deletes are for the whole conversation too
        JsonNode sent = api.send(late, group, "hello");
        client.delete().uri("/api/v1/messages/" + sent.get("id").asString())
                .headers(h -> h.setBearerAuth(dev.chat.testsupport.TestTokens.token(late))).exchange()
                .expectStatus().isNoContent();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.events(group, "message.deleted").size() == 1);
        assertThat(probe.events(group, "message.deleted").getFirst().toConversation()).isTrue();
        // a removed member cannot send
        expectProblem(api.post(leaving, "/api/v1/messages", Map.of("conversation_id", group, "content", "x")),
                404, "not_a_participant");
    }

    @Test
    void theMemberCapRefusesOneMoreAndNothingIsStored() {
        String owner = Api.user("owner");
        UUID group = api.group(owner, members("c", 999).toArray(String[]::new));
        calls.add(owner, group, members("d", 200)).expectStatus().isOk()
                .expectBody().jsonPath("$.participant_count").isEqualTo(1200);
        expectProblem(calls.add(owner, group, List.of(Api.user("one-too-many"))), 409, ConversationErrors.CONVERSATION_FULL);
        assertThat(calls.get(owner, group).get("participant_count").asInt()).isEqualTo(1200);
        api.send(owner, group, "still works");
    }

    @Test
    void receiptsOfALargeGroupArePaged() {
        String owner = Api.user("owner");
        List<String> others = members("r", 30);
        UUID group = api.group(owner, others.toArray(String[]::new));
        JsonNode sent = api.send(owner, group, "who read this?");
        String path = "/api/v1/messages/" + sent.get("id").asString() + "/receipts";
        var first = client.get().uri(path + "?limit=20").headers(h -> h.setBearerAuth(dev.chat.testsupport.TestTokens.token(owner)))
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult();
        String link = first.getResponseHeaders().getFirst("Link");
        assertThat(link).contains("rel=\"next\"").contains("after=");
        JsonNode page1 = first.getResponseBody();
        assertThat(page1).hasSize(20);
        String next = link.substring(link.indexOf('<') + 1, link.indexOf('>'));
        var second = client.get().uri(next).headers(h -> h.setBearerAuth(dev.chat.testsupport.TestTokens.token(owner)))
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult();
        assertThat(second.getResponseHeaders().getFirst("Link")).isNull();
        assertThat(second.getResponseBody()).hasSize(10);
        expectProblem(api.get(owner, path + "?limit=0"), 400, "invalid_parameter");
    }

    private int bytes(UUID conversation, String type) {
        for (ConsumerRecord<String, String> r : probe.recordsOf(conversation)) {
            if (r.value().contains("\"type\":\"" + type + "\"")) {
                return r.value().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        throw new AssertionError("no " + type);
    }

    private static List<String> members(String prefix, int count) {
        String run = UUID.randomUUID().toString().substring(0, 6);
        return IntStream.range(0, count).mapToObj(i -> prefix + i + "-" + run).toList();
    }
}
