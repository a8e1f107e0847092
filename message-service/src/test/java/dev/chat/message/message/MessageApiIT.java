package dev.chat.message.message;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Flux;
import reactor.util.function.Tuple2;
import reactor.util.function.Tuples;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class MessageApiIT {

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    Api api() {
        return new Api(client);
    }

    @Test
    void sendReturnsTheWholeMessageWithSeqAndSenderName() {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));
        UUID clientId = UUID.randomUUID();

        JsonNode m = api().post(alice, "/api/v1/messages", Map.of("conversation_id", conversation,
                "client_message_id", clientId, "content", "hello"))
                .expectStatus().isCreated()
                .expectHeader().valueMatches("Location", "/api/v1/messages/[0-9a-f-]{36}")
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(m.propertyNames()).containsExactlyInAnyOrder("id", "conversation_id", "seq", "sender_id",
                "sender_name", "client_message_id", "type", "content", "attachments", "reply_to_id", "mentions",
                "created_at", "edited_at", "deleted");
        assertThat(m.get("seq").asLong()).isEqualTo(1);
        assertThat(m.get("sender_id").asString()).isEqualTo(alice);
        assertThat(m.get("sender_name").asString()).isEqualTo(alice.toUpperCase()); // the token's name claim
        assertThat(m.get("client_message_id").asString()).isEqualTo(clientId.toString());
        assertThat(m.get("type").asString()).isEqualTo("text");
        assertThat(m.get("attachments").isArray()).isTrue();
        assertThat(m.get("mentions").isArray()).isTrue();
        assertThat(m.get("reply_to_id").isNull()).isTrue();
        assertThat(m.get("edited_at").isNull()).isTrue();
        assertThat(m.get("deleted").asBoolean()).isFalse();
        assertThat(m.get("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

        assertThat(api().send(alice, conversation, "second").get("seq").asLong()).isEqualTo(2);
        JsonNode view = api().get(alice, "/api/v1/conversations/" + conversation).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(view.get("last_seq").asLong()).isEqualTo(2);
        assertThat(view.get("last_message").get("content").asString()).isEqualTo("second");
    }

    @Test
    void retryWithTheSameClientMessageIdReturnsTheOriginal() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api().direct(alice, bob);
        UUID clientId = UUID.randomUUID();
        Map<String, Object> body = Map.of("conversation_id", conversation, "client_message_id", clientId, "content", "once");

        String id = api().post(alice, "/api/v1/messages", body).expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("id").asString();
        JsonNode repeat = api().post(alice, "/api/v1/messages", body).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(repeat.get("id").asString()).isEqualTo(id);

        // the Idempotency-Key header is the same thing
        JsonNode viaHeader = client.post().uri("/api/v1/messages")
                .headers(h -> {
                    h.setBearerAuth(TestTokens.token(alice));
                    h.set("Idempotency-Key", clientId.toString());
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("conversation_id", conversation, "content", "once"))
                .exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(viaHeader.get("id").asString()).isEqualTo(id);

        assertThat(api().history(bob, conversation, "").get("messages").size()).isEqualTo(1);
        assertThat(api().send(alice, conversation, "next").get("seq").asLong()).isEqualTo(2);
    }

    @Test
    void concurrentRetriesStoreOneMessage() {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));
        Map<String, Object> body = Map.of("conversation_id", conversation, "client_message_id", UUID.randomUUID(),
                "content", "only once");

        List<Tuple2<Integer, String>> results = Flux.range(0, 20)
                .flatMap(i -> webClient(alice).post().uri("/api/v1/messages").bodyValue(body)
                        .exchangeToMono(r -> r.bodyToMono(JsonNode.class)
                                .map(json -> Tuples.of(r.statusCode().value(), json.get("id").asString()))), 20)
                .collectList().block();

        assertThat(results).hasSize(20);
        assertThat(results.stream().map(Tuple2::getT2).distinct()).hasSize(1);
        assertThat(results.stream().filter(r -> r.getT1() == 201)).hasSize(1);
        assertThat(results.stream().filter(r -> r.getT1() == 200)).hasSize(19);
        assertThat(api().history(alice, conversation, "").get("messages").size()).isEqualTo(1);
    }

    @Test
    void concurrentSendsGetGapFreeUniqueSeqs() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api().direct(alice, bob);

        List<Long> seqs = Flux.range(0, 50)
                .flatMap(i -> webClient(i % 2 == 0 ? alice : bob).post().uri("/api/v1/messages")
                        .bodyValue(Map.of("conversation_id", conversation, "content", "m" + i))
                        .retrieve().bodyToMono(JsonNode.class)
                        .map(json -> json.get("seq").asLong()), 50)
                .collectList().block();

        List<Long> sorted = new ArrayList<>(seqs);
        Collections.sort(sorted);
        assertThat(sorted).isEqualTo(IntStream.rangeClosed(1, 50).mapToObj(Long::valueOf).toList());
        JsonNode history = api().history(bob, conversation, "?limit=200");
        assertThat(seqsOf(history)).isEqualTo(sorted);
    }

    @Test
    void reusingAClientMessageIdInAnotherConversationIsAConflict() {
        String alice = Api.user("alice");
        UUID first = api().direct(alice, Api.user("bob"));
        UUID second = api().direct(alice, Api.user("carol"));
        UUID clientId = UUID.randomUUID();
        api().post(alice, "/api/v1/messages", Map.of("conversation_id", first, "client_message_id", clientId, "content", "a"))
                .expectStatus().isCreated();
        expectProblem(api().post(alice, "/api/v1/messages",
                Map.of("conversation_id", second, "client_message_id", clientId, "content", "a")), 409,
                "client_message_id_reused");
    }

    @Test
    void outsidersCanNeitherSendNorRead() {
        String alice = Api.user("alice");
        String mallory = Api.user("mallory");
        UUID conversation = api().direct(alice, Api.user("bob"));
        api().send(alice, conversation, "private");

        expectProblem(api().post(mallory, "/api/v1/messages", Map.of("conversation_id", conversation, "content", "hi")),
                404, "not_a_participant");
        expectProblem(api().get(mallory, "/api/v1/conversations/" + conversation + "/messages"), 404, "not_a_participant");
        expectProblem(api().post(mallory, "/api/v1/messages", Map.of("conversation_id", UUID.randomUUID(), "content", "hi")),
                404, "not_a_participant");
        // nothing changed: the next message still gets seq 2
        assertThat(api().send(alice, conversation, "next").get("seq").asLong()).isEqualTo(2);
    }

    @Test
    void limitsAreEnforcedWithPreciseCodesAndChangeNothing() {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));
        UUID other = api().direct(alice, Api.user("carol"));
        String otherMessage = api().send(alice, other, "elsewhere").get("id").asString();

        expectProblem(send(alice, conversation, Map.of("content", "")), 400, "content_empty");
        expectProblem(send(alice, conversation, Map.of("content", " \n\t ")), 400, "content_empty");
        expectProblem(send(alice, conversation, Map.of()), 400, "content_empty");
        expectProblem(send(alice, conversation, Map.of("content", "x".repeat(4001))), 400, "content_too_long");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "type", "sticker")), 400, "invalid_message_type");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "attachments",
                Collections.nCopies(11, attachment("https://cdn.example/a.jpg")))), 400, "too_many_attachments");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "attachments",
                List.of(attachment("ftp://cdn.example/a.jpg")))), 400, "invalid_attachment");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "attachments",
                List.of(Map.of("url", "https://cdn.example/a.jpg", "mime_type", "image/jpeg")))), 400, "invalid_attachment");
        expectProblem(send(alice, conversation, Map.of("content", "hi @bob", "mentions",
                List.of(Map.of("user_id", "bob", "offset", 3, "length", 10)))), 400, "invalid_mention");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "mentions",
                Collections.nCopies(51, Map.of("user_id", "bob", "offset", 0, "length", 1)))), 400, "too_many_mentions");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "reply_to_id", otherMessage)), 400,
                "invalid_reply_to");
        expectProblem(send(alice, conversation, Map.of("content", "hi", "reply_to_id", UUID.randomUUID())), 400,
                "invalid_reply_to");
        expectProblem(api().post(alice, "/api/v1/messages", Map.of("conversation_id", "not-a-uuid", "content", "hi")),
                400, "malformed_request");
        expectProblem(api().post(alice, "/api/v1/messages", Map.of("content", "hi")), 400, "validation_failed");
        expectProblem(api().post(alice, "/api/v1/messages", "{not json"), 400, "malformed_request");
        expectProblem(client.post().uri("/api/v1/messages")
                .headers(h -> {
                    h.setBearerAuth(TestTokens.token(alice));
                    h.set("Idempotency-Key", "not-a-uuid");
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("conversation_id", conversation, "content", "hi"))
                .exchange(), 400, "invalid_idempotency_key");

        // none of the rejected sends used a seq
        assertThat(api().history(alice, conversation, "").get("messages").size()).isZero();
        assertThat(api().send(alice, conversation, "valid").get("seq").asLong()).isEqualTo(1);
    }

    @Test
    void wrongJsonTypesAreBadRequestsNeverCoerced() {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));
        String id = "\"conversation_id\": \"" + conversation + "\"";
        for (String body : List.of(
                "{" + id + ", \"content\": [\"hi\"]}",
                "{" + id + ", \"content\": {\"text\": \"hi\"}}",
                "{\"conversation_id\": 42, \"content\": \"hi\"}",
                "{" + id + ", \"content\": \"hi\", \"attachments\": \"a.jpg\"}",
                "{" + id + ", \"content\": \"hi @bob\", \"mentions\": [{\"user_id\": \"bob\", \"offset\": \"three\", \"length\": 4}]}",
                "[]")) {
            expectProblem(api().post(alice, "/api/v1/messages", body), 400, "malformed_request");
        }
        assertThat(api().history(alice, conversation, "").get("messages").size()).isZero();
    }

    @Test
    void acceptsWhatTheLimitsAllow() {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));
        // 4000 characters even when each is two UTF-16 units
        send(alice, conversation, Map.of("content", "\uD83D\uDE00".repeat(4000))).expectStatus().isCreated();
        // attachments make empty content acceptable
        JsonNode photo = send(alice, conversation, Map.of("type", "image", "content", "",
                "attachments", List.of(attachment("https://cdn.example/p.jpg"))))
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(photo.get("attachments").get(0).get("mime_type").asString()).isEqualTo("image/jpeg");
        assertThat(photo.get("attachments").get(0).get("width").asInt()).isEqualTo(640);
        JsonNode reply = send(alice, conversation, Map.of("content", "hi @bob", "reply_to_id", photo.get("id").asString(),
                "mentions", List.of(Map.of("user_id", "bob", "offset", 3, "length", 4))))
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(reply.get("reply_to_id").asString()).isEqualTo(photo.get("id").asString());
        assertThat(reply.get("mentions").get(0).get("user_id").asString()).isEqualTo("bob");
    }

    @Test
    void historyPagesForwardBackwardAndNewest() {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));
        for (int i = 1; i <= 7; i++) {
            api().send(alice, conversation, "m" + i);
        }

        JsonNode newest = api().history(alice, conversation, "?limit=3");
        assertThat(seqsOf(newest)).containsExactly(5L, 6L, 7L);
        assertThat(newest.get("has_more").asBoolean()).isTrue();

        JsonNode back = api().history(alice, conversation, "?before_seq=5&limit=3");
        assertThat(seqsOf(back)).containsExactly(2L, 3L, 4L);
        assertThat(back.get("has_more").asBoolean()).isTrue();
        JsonNode oldest = api().history(alice, conversation, "?before_seq=2&limit=3");
        assertThat(seqsOf(oldest)).containsExactly(1L);
        assertThat(oldest.get("has_more").asBoolean()).isFalse();

        JsonNode forward = api().history(alice, conversation, "?after_seq=2&limit=3");
        assertThat(seqsOf(forward)).containsExactly(3L, 4L, 5L);
        assertThat(forward.get("has_more").asBoolean()).isTrue();
        JsonNode end = api().history(alice, conversation, "?after_seq=5&limit=3");
        assertThat(seqsOf(end)).containsExactly(6L, 7L);
        assertThat(end.get("has_more").asBoolean()).isFalse();

        JsonNode range = api().history(alice, conversation, "?after_seq=2&before_seq=5");
        assertThat(seqsOf(range)).containsExactly(3L, 4L);
        assertThat(range.get("has_more").asBoolean()).isFalse();

        expectProblem(api().get(alice, "/api/v1/conversations/" + conversation + "/messages?limit=0"), 400, "invalid_parameter");
        expectProblem(api().get(alice, "/api/v1/conversations/" + conversation + "/messages?limit=201"), 400, "invalid_parameter");
        expectProblem(api().get(alice, "/api/v1/conversations/" + conversation + "/messages?after_seq=-1"), 400, "invalid_parameter");
        expectProblem(api().get(alice, "/api/v1/conversations/" + conversation + "/messages?after_seq=abc"), 400, "malformed_request");
    }

    private WebTestClient.ResponseSpec send(String user, UUID conversation, Map<String, Object> fields) {
        Map<String, Object> body = new HashMap<>(fields);
        body.put("conversation_id", conversation);
        return api().post(user, "/api/v1/messages", body);
    }

    private static Map<String, Object> attachment(String url) {
        return Map.of("url", url, "mime_type", "image/jpeg", "size_bytes", 1234, "width", 640, "height", 480);
    }

    private WebClient webClient(String user) {
        return WebClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeaders(h -> {
                    h.setBearerAuth(TestTokens.token(user));
                    h.setContentType(MediaType.APPLICATION_JSON);
                })
                .build();
    }

    static List<Long> seqsOf(JsonNode page) {
        return StreamSupport.stream(page.get("messages").spliterator(), false).map(m -> m.get("seq").asLong()).toList();
    }
}
