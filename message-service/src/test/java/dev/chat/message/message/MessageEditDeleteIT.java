package dev.chat.message.message;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class MessageEditDeleteIT {

    private static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    @Autowired
    WebTestClient client;

    Api api;
    ChatEventsProbe probe;

    @BeforeEach
    void setUp() {
        api = new Api(client);
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void tearDown() {
        probe.close();
    }

    @Test
    void theSenderEditsAMessageAndEveryParticipantGetsMessageUpdated() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        JsonNode original = send(alice, conversation, Map.of("content", "hello @bob",
                "mentions", List.of(Map.of("user_id", bob, "offset", 6, "length", 4))));
        String id = original.get("id").asString();

        JsonNode edited = edit(alice, id, Map.of("content", "hello @bob, again"))
                .expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(edited.get("id").asString()).isEqualTo(id);
        assertThat(edited.get("seq").asLong()).isEqualTo(1);
        assertThat(edited.get("content").asString()).isEqualTo("hello @bob, again");
        assertThat(edited.get("created_at")).isEqualTo(original.get("created_at"));
        assertThat(edited.get("edited_at").asString()).matches(TIMESTAMP);
        assertThat(Instant.parse(edited.get("edited_at").asString()))
                .isAfterOrEqualTo(Instant.parse(original.get("created_at").asString()));
        assertThat(edited.get("deleted").asBoolean()).isFalse();
        assertThat(edited.get("mentions")).isEqualTo(original.get("mentions")); // still within the content
        assertThat(edited.get("client_message_id")).isEqualTo(original.get("client_message_id"));
        assertThat(api.history(bob, conversation, "").get("messages").get(0)).isEqualTo(edited);

        await().atMost(Duration.ofSeconds(20)).until(() -> !probe.events(conversation, EventTypes.MESSAGE_UPDATED).isEmpty());
        ChatEvent event = probe.events(conversation, EventTypes.MESSAGE_UPDATED).getFirst();
        assertThat(event.seq()).isEqualTo(1);
        assertThat(event.recipients()).containsExactlyInAnyOrder(new Recipient(alice, false), new Recipient(bob, false));
        assertThat(event.frame().get("type").asString()).isEqualTo("message.updated");
        assertThat(event.frame().get("message")).isEqualTo(edited);

        // the same edit again (a retried PATCH) changes nothing and publishes nothing
        JsonNode repeat = edit(alice, id, Map.of("content", "hello @bob, again")).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(repeat).isEqualTo(edited);
        expectOnlyOneEventOfType(alice, conversation, EventTypes.MESSAGE_UPDATED);
    }

    @Test
    void mentionsAreKeptOnlyWhileTheyLieWithinTheNewContentOrAreReplacedWhenGiven() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        UUID conversation = api.group(alice, bob, carol);
        String id = send(alice, conversation, Map.of("content", "hi @bob and @carol",
                "mentions", List.of(Map.of("user_id", bob, "offset", 3, "length", 4),
                        Map.of("user_id", carol, "offset", 12, "length", 6)))).get("id").asString();

        JsonNode shorter = edit(alice, id, Map.of("content", "hi @bob!")).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(shorter.get("mentions")).hasSize(1);
        assertThat(shorter.get("mentions").get(0).get("user_id").asString()).isEqualTo(bob);

        JsonNode replaced = edit(alice, id, Map.of("content", "@carol, hi",
                "mentions", List.of(Map.of("user_id", carol, "offset", 0, "length", 6)))).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(replaced.get("mentions")).hasSize(1);
        assertThat(replaced.get("mentions").get(0).get("user_id").asString()).isEqualTo(carol);

        JsonNode none = edit(alice, id, Map.of("content", "@carol, hi", "mentions", List.of())).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(none.get("mentions")).isEmpty();

        expectProblem(edit(alice, id, Map.of("content", "short",
                "mentions", List.of(Map.of("user_id", bob, "offset", 3, "length", 10)))), 400, "invalid_mention");
    }

    @Test
    void editErrorsHaveStableCodesAndChangeNothing() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String mallory = Api.user("mallory");
        UUID conversation = api.direct(alice, bob);
        String id = api.send(alice, conversation, "original").get("id").asString();

        expectProblem(edit(bob, id, Map.of("content", "bob was here")), 403, "not_the_sender");
        expectProblem(edit(mallory, id, Map.of("content", "mallory was here")), 404, "message_not_found");
        expectProblem(edit(alice, UUID.randomUUID().toString(), Map.of("content", "x")), 404, "message_not_found");
        // who may change it is decided before the content is looked at
        expectProblem(edit(mallory, id, Map.of()), 404, "message_not_found");
        expectProblem(edit(bob, id, Map.of("content", "")), 403, "not_the_sender");
        expectProblem(edit(alice, "not-a-uuid", Map.of("content", "x")), 400, "malformed_request");
        expectProblem(edit(alice, id, "{not json"), 400, "malformed_request");
        expectProblem(edit(alice, id, Map.of("content", List.of("x"))), 400, "malformed_request");
        expectProblem(edit(alice, id, Map.of()), 400, "validation_failed");
        expectProblem(edit(alice, id, Map.of("content", "")), 400, "content_empty");
        expectProblem(edit(alice, id, Map.of("content", "  \n ")), 400, "content_empty");
        expectProblem(edit(alice, id, Map.of("content", "x".repeat(4001))), 400, "content_too_long");

        JsonNode stored = api.history(alice, conversation, "").get("messages").get(0);
        assertThat(stored.get("content").asString()).isEqualTo("original");
        assertThat(stored.get("edited_at").isNull()).isTrue();

        // the same limits as on send: 4000 characters even when each is two UTF-16 units
        edit(alice, id, Map.of("content", "\uD83D\uDE00".repeat(4000))).expectStatus().isOk();
        // a deleted message cannot be edited
        delete(alice, id).expectStatus().isNoContent();
        expectProblem(edit(alice, id, Map.of("content", "back from the dead")), 409, "message_deleted");
        // the 404 and 403 rules still come first
        expectProblem(edit(mallory, id, Map.of("content", "x")), 404, "message_not_found");
        expectProblem(edit(bob, id, Map.of("content", "x")), 403, "not_the_sender");
        assertThat(api.history(alice, conversation, "").get("messages").get(0).get("content").asString()).isEmpty();
    }

    @Test
    void aMessageWithAttachmentsMayBeEditedToEmptyContent() {
        String alice = Api.user("alice");
        UUID conversation = api.direct(alice, Api.user("bob"));
        String id = send(alice, conversation, Map.of("type", "image", "content", "look",
                "attachments", List.of(Map.of("url", "https://cdn.example/p.jpg", "mime_type", "image/jpeg",
                        "size_bytes", 10)))).get("id").asString();

        JsonNode edited = edit(alice, id, Map.of("content", "")).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(edited.get("content").asString()).isEmpty();
        assertThat(edited.get("attachments")).hasSize(1);
        assertThat(edited.get("type").asString()).isEqualTo("image");
    }

    @Test
    void deleteLeavesATombstoneInHistoryAndAsLastMessage() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        api.send(alice, conversation, "one");
        JsonNode two = send(alice, conversation, Map.of("type", "image", "content", "two @bob",
                "attachments", List.of(Map.of("url", "https://cdn.example/p.jpg", "mime_type", "image/jpeg",
                        "size_bytes", 10)),
                "mentions", List.of(Map.of("user_id", bob, "offset", 4, "length", 4))));
        JsonNode three = api.send(alice, conversation, "three");
        assertThat(conversation(bob, conversation).get("unread_count").asLong()).isEqualTo(3);

        delete(alice, two.get("id").asString()).expectStatus().isNoContent().expectBody().isEmpty();

        JsonNode tombstone = api.history(bob, conversation, "").get("messages").get(1);
        assertThat(tombstone.get("id")).isEqualTo(two.get("id"));
        assertThat(tombstone.get("seq").asLong()).isEqualTo(2);
        assertThat(tombstone.get("deleted").asBoolean()).isTrue();
        assertThat(tombstone.get("content").asString()).isEmpty();
        assertThat(tombstone.get("attachments")).isEmpty();
        assertThat(tombstone.get("mentions")).isEmpty();
        assertThat(tombstone.get("type").asString()).isEqualTo("image");
        assertThat(tombstone.get("sender_id").asString()).isEqualTo(alice);
        assertThat(tombstone.get("created_at")).isEqualTo(two.get("created_at"));
        assertThat(tombstone.get("edited_at").asString()).matches(TIMESTAMP);
        assertThat(api.history(bob, conversation, "").get("messages")).hasSize(3);
        assertThat(conversation(bob, conversation).get("unread_count").asLong()).isEqualTo(2);

        delete(alice, three.get("id").asString()).expectStatus().isNoContent();
        JsonNode view = conversation(bob, conversation);
        assertThat(view.get("last_seq").asLong()).isEqualTo(3);
        assertThat(view.get("last_message").get("id")).isEqualTo(three.get("id"));
        assertThat(view.get("last_message").get("deleted").asBoolean()).isTrue();
        assertThat(view.get("last_message").get("content").asString()).isEmpty();
        assertThat(view.get("unread_count").asLong()).isEqualTo(1);

        // the next message still gets the next seq: a tombstone keeps its place
        assertThat(api.send(bob, conversation, "four").get("seq").asLong()).isEqualTo(4);
    }

    @Test
    void deletingTwiceIsFineAndPublishesOneMessageDeleted() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        String id = api.send(alice, conversation, "oops").get("id").asString();

        delete(alice, id).expectStatus().isNoContent();
        delete(alice, id).expectStatus().isNoContent();

        await().atMost(Duration.ofSeconds(20)).until(() -> !probe.events(conversation, EventTypes.MESSAGE_DELETED).isEmpty());
        ChatEvent event = probe.events(conversation, EventTypes.MESSAGE_DELETED).getFirst();
        assertThat(event.seq()).isEqualTo(1);
        assertThat(event.recipients()).containsExactlyInAnyOrder(new Recipient(alice, false), new Recipient(bob, false));
        assertThat(event.frame().get("type").asString()).isEqualTo("message.deleted");
        JsonNode message = event.frame().get("message");
        assertThat(message.get("id").asString()).isEqualTo(id);
        assertThat(message.get("deleted").asBoolean()).isTrue();
        assertThat(message.get("content").asString()).isEmpty();
        assertThat(message).isEqualTo(api.history(bob, conversation, "").get("messages").get(0));

        delete(alice, id).expectStatus().isNoContent();
        expectOnlyOneEventOfType(alice, conversation, EventTypes.MESSAGE_DELETED);
    }

    @Test
    void deleteErrorsHaveStableCodesAndChangeNothing() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        String id = api.send(alice, conversation, "keep me").get("id").asString();

        expectProblem(delete(bob, id), 403, "not_the_sender");
        expectProblem(delete(Api.user("mallory"), id), 404, "message_not_found");
        expectProblem(delete(alice, UUID.randomUUID().toString()), 404, "message_not_found");
        expectProblem(delete(alice, "not-a-uuid"), 400, "malformed_request");

        JsonNode stored = api.history(alice, conversation, "").get("messages").get(0);
        assertThat(stored.get("deleted").asBoolean()).isFalse();
        assertThat(stored.get("content").asString()).isEqualTo("keep me");
    }

    /**
     * No second event of this type follows: a later send's event is published after anything the
     * earlier requests wrote to the outbox, so once it arrived, nothing else is on its way.
     */
    private void expectOnlyOneEventOfType(String sender, UUID conversation, String type) {
        long seq = api.send(sender, conversation, "barrier").get("seq").asLong();
        await().atMost(Duration.ofSeconds(20)).until(() -> probe.events(conversation, EventTypes.MESSAGE_CREATED)
                .stream().anyMatch(e -> e.seq() == seq));
        assertThat(probe.events(conversation, type)).hasSize(1);
    }

    private JsonNode send(String user, UUID conversation, Map<String, Object> fields) {
        Map<String, Object> body = new java.util.HashMap<>(fields);
        body.put("conversation_id", conversation);
        return api.post(user, "/api/v1/messages", body).expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private JsonNode conversation(String user, UUID conversation) {
        return api.get(user, "/api/v1/conversations/" + conversation).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private WebTestClient.ResponseSpec edit(String user, String id, Object body) {
        return client.patch().uri("/api/v1/messages/" + id)
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    private WebTestClient.ResponseSpec delete(String user, String id) {
        return client.delete().uri("/api/v1/messages/" + id)
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .exchange();
    }
}
