package dev.chat.message.message;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /conversations/{id}/sync}: what a client that was away missed: newer messages, edits and
 * deletes of older ones after its change cursor, the current receipts; paged with has_more.
 */
@MessageServiceIT
class SyncIT {

    @Autowired
    WebTestClient client;

    @Test
    void aClientThatWasAwayLearnsOfNewMessagesEditsDeletesAndReceipts() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        JsonNode first = api.send(alice, conversation, "one");
        JsonNode second = api.send(alice, conversation, "two");
        api.send(bob, conversation, "three");
        JsonNode before = sync(bob, conversation, "?after_seq=0");
        assertThat(seqs(before.get("messages"))).containsExactly(1L, 2L, 3L);
        assertThat(before.get("changes")).isEmpty();
        assertThat(before.get("last_seq").asLong()).isEqualTo(3);
        assertThat(before.get("has_more").asBoolean()).isFalse();
        long cursor = before.get("change_cursor").asLong();

        // bob goes away; alice edits one, deletes one, sends two more; bob's other device reads up to 3
        client.patch().uri("/api/v1/messages/" + first.get("id").asString())
                .headers(h -> h.setBearerAuth(TestTokens.token(alice)))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("content", "one, edited"))
                .exchange().expectStatus().isOk();
        client.delete().uri("/api/v1/messages/" + second.get("id").asString())
                .headers(h -> h.setBearerAuth(TestTokens.token(alice))).exchange().expectStatus().isNoContent();
        api.send(alice, conversation, "four");
        api.send(alice, conversation, "five");
        api.post(bob, "/api/v1/conversations/" + conversation + "/receipts", Map.of("read_seq", 3)).expectStatus().isNoContent();

        JsonNode missed = sync(bob, conversation, "?after_seq=3&after_change=" + cursor);
        assertThat(seqs(missed.get("messages"))).containsExactly(4L, 5L);
        assertThat(seqs(missed.get("changes"))).containsExactly(1L, 2L); // in the order they changed
        assertThat(missed.get("changes").get(0).get("content").asString()).isEqualTo("one, edited");
        assertThat(missed.get("changes").get(0).get("edited_at").isString()).isTrue();
        assertThat(missed.get("changes").get(1).get("deleted").asBoolean()).isTrue();
        assertThat(missed.get("last_seq").asLong()).isEqualTo(5);
        assertThat(missed.get("change_cursor").asLong()).isGreaterThan(cursor);
        assertThat(missed.get("has_more").asBoolean()).isFalse();
        Map<String, JsonNode> receipts = new java.util.HashMap<>();
        missed.get("receipts").forEach(r -> receipts.put(r.get("user_id").asString(), r));
        assertThat(receipts.get(bob).get("read_seq").asLong()).isEqualTo(3);
        assertThat(receipts.get(alice).get("read_seq").asLong()).isZero();

        // the same again from the new cursor: nothing left
        JsonNode again = sync(bob, conversation, "?after_seq=5&after_change=" + missed.get("change_cursor").asLong());
        assertThat(again.get("messages")).isEmpty();
        assertThat(again.get("changes")).isEmpty();
        // and the history shows the same as sync did
        JsonNode history = api.history(bob, conversation, "?after_seq=0");
        assertThat(history.get("messages").get(0)).isEqualTo(missed.get("changes").get(0));
        assertThat(history.get("messages").get(1)).isEqualTo(missed.get("changes").get(1));
    }

    @Test
    void longGapsArePagedWithHasMore() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        IntStream.rangeClosed(1, 5).forEach(i -> api.send(alice, conversation, "m" + i));
        JsonNode page = sync(bob, conversation, "?after_seq=0&limit=2");
        assertThat(seqs(page.get("messages"))).containsExactly(1L, 2L);
        assertThat(page.get("last_seq").asLong()).isEqualTo(2);
        assertThat(page.get("has_more").asBoolean()).isTrue();
        JsonNode next = sync(bob, conversation, "?after_seq=2&limit=2");
        JsonNode last = sync(bob, conversation, "?after_seq=4&limit=2");
        assertThat(seqs(next.get("messages"))).containsExactly(3L, 4L);
        assertThat(seqs(last.get("messages"))).containsExactly(5L);
        assertThat(last.get("has_more").asBoolean()).isFalse();
        assertThat(last.get("last_seq").asLong()).isEqualTo(5);
    }

    @Test
    void outsidersAndBadParameters() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        UUID conversation = api.direct(alice, Api.user("bob"));
        expectProblem(api.get(Api.user("mallory"), "/api/v1/conversations/" + conversation + "/sync"), 404, "not_a_participant");
        expectProblem(api.get(alice, "/api/v1/conversations/" + conversation + "/sync?after_seq=-1"), 400, "invalid_parameter");
        expectProblem(api.get(alice, "/api/v1/conversations/" + conversation + "/sync?after_change=-1"), 400, "invalid_parameter");
        expectProblem(api.get(alice, "/api/v1/conversations/" + conversation + "/sync?limit=201"), 400, "invalid_parameter");
        expectProblem(api.get(alice, "/api/v1/conversations/" + conversation + "/sync?after_seq=x"), 400, "malformed_request");
    }

    private JsonNode sync(String user, UUID conversation, String query) {
        return new Api(client).get(user, "/api/v1/conversations/" + conversation + "/sync" + query)
                .expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private static List<Long> seqs(JsonNode messages) {
        return messages.valueStream().map(m -> m.get("seq").asLong()).toList();
    }
}
