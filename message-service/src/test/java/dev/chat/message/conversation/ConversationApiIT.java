package dev.chat.message.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static dev.chat.message.Api.expectProblem;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class ConversationApiIT {

    @Autowired
    WebTestClient client;

    Api api() {
        return new Api(client);
    }

    @Test
    void createsDirectConversationWithEveryFieldOfTheContract() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");

        JsonNode body = api().post(alice, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of(bob)))
                .expectStatus().isCreated()
                .expectHeader().valueMatches("Location", "/api/v1/conversations/[0-9a-f-]{36}")
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(fieldNames(body)).containsExactlyInAnyOrder("id", "type", "title", "created_by", "created_at",
                "participants", "participant_count", "last_seq", "last_message", "last_activity_at",
                "unread_count", "my_delivered_seq", "my_read_seq", "muted_until", "notify");
        assertThat(body.get("type").asString()).isEqualTo("direct");
        assertThat(body.get("title").isNull()).isTrue();
        assertThat(body.get("created_by").asString()).isEqualTo(alice);
        assertThat(body.get("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(body.get("participant_count").asInt()).isEqualTo(2);
        assertThat(StreamSupport.stream(body.get("participants").spliterator(), false)
                .map(p -> p.get("user_id").asString() + ":" + p.get("role").asString()))
                .containsExactlyInAnyOrder(alice + ":member", bob + ":member");
        assertThat(body.get("last_seq").asLong()).isZero();
        assertThat(body.get("last_message").isNull()).isTrue();
        assertThat(body.get("unread_count").asLong()).isZero();
        assertThat(body.get("muted_until").isNull()).isTrue();
        assertThat(body.get("notify").asString()).isEqualTo("all");
    }

    @Test
    void directConversationExistsOncePerPairWhoeverAsks() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID id = api().direct(alice, bob);

        JsonNode again = api().post(bob, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of(alice, bob)))
                .expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(again.get("id").asString()).isEqualTo(id.toString());
    }

    @Test
    void concurrentDirectCreatesYieldOneConversation() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        WebTestClient c = client;
        Set<String> ids = Flux.range(0, 10)
                .parallel(10)
                .runOn(reactor.core.scheduler.Schedulers.boundedElastic())
                .map(i -> c.post().uri("/api/v1/conversations")
                        .headers(h -> h.setBearerAuth(TestTokens.token(i % 2 == 0 ? alice : bob)))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("type", "direct", "participant_ids", List.of(i % 2 == 0 ? bob : alice)))
                        .exchange()
                        .expectBody(JsonNode.class).returnResult().getResponseBody().get("id").asString())
                .sequential()
                .collect(Collectors.toSet())
                .block();
        assertThat(ids).hasSize(1);
    }

    @Test
    void groupHasTheCallerAsOwner() {
        String owner = Api.user("owner");
        String m1 = Api.user("m1");
        String m2 = Api.user("m2");

        JsonNode body = api().post(owner, "/api/v1/conversations",
                Map.of("type", "group", "participant_ids", List.of(m1, m2, m1), "title", "  Team  "))
                .expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(body.get("title").asString()).isEqualTo("Team");
        assertThat(body.get("participant_count").asInt()).isEqualTo(3);
        assertThat(StreamSupport.stream(body.get("participants").spliterator(), false)
                .filter(p -> p.get("role").asString().equals("owner"))
                .map(p -> p.get("user_id").asString())).containsExactly(owner);
    }

    @Test
    void rejectsBadCreateRequestsWithPreciseCodes() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        expectProblem(api().post(alice, "/api/v1/conversations", Map.of("type", "channel", "participant_ids", List.of(bob))),
                400, "invalid_conversation_type");
        expectProblem(api().post(alice, "/api/v1/conversations", Map.of("type", "direct", "participant_ids", List.of(alice))),
                400, "invalid_participants");
        expectProblem(api().post(alice, "/api/v1/conversations", Map.of("type", "direct", "participant_ids", List.of(bob, carol))),
                400, "invalid_participants");
        expectProblem(api().post(alice, "/api/v1/conversations", Map.of("type", "direct")), 400, "invalid_participants");
        expectProblem(api().post(alice, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of(bob), "title", "x")), 400, "invalid_title");
        expectProblem(api().post(alice, "/api/v1/conversations",
                Map.of("type", "group", "participant_ids", List.of("x".repeat(129)))), 400, "invalid_participants");
        expectProblem(api().post(alice, "/api/v1/conversations", "{\"type\": \"group\", "), 400, "malformed_request");
        expectProblem(api().post(alice, "/api/v1/conversations", "{\"type\": \"group\", \"participant_ids\": \"bob\"}"),
                400, "malformed_request");
    }

    @Test
    void outsidersGetNotFoundWhetherOrNotTheConversationExists() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String mallory = Api.user("mallory");
        UUID id = api().direct(alice, bob);

        expectProblem(api().get(mallory, "/api/v1/conversations/" + id), 404, "not_a_participant");
        expectProblem(api().get(mallory, "/api/v1/conversations/" + UUID.randomUUID()), 404, "not_a_participant");
        // a client-sent identity header changes nothing
        expectProblem(client.get().uri("/api/v1/conversations/" + id)
                .headers(h -> {
                    h.setBearerAuth(TestTokens.token(mallory));
                    h.set("X-User-Id", alice);
                }).exchange(), 404, "not_a_participant");
        api().get(bob, "/api/v1/conversations/" + id).expectStatus().isOk();
    }

    @Test
    void badIdsAreBadRequestsAndMissingTokensUnauthorized() {
        expectProblem(api().get(Api.user("a"), "/api/v1/conversations/not-a-uuid"), 400, "malformed_request");
        expectProblem(client.get().uri("/api/v1/conversations/" + UUID.randomUUID()).exchange(), 401, "unauthorized");
        expectProblem(client.get().uri("/api/v1/conversations/" + UUID.randomUUID())
                .headers(h -> h.setBearerAuth(TestTokens.expired("a"))).exchange(), 401, "unauthorized");
        expectProblem(client.get().uri("/api/v1/conversations/" + UUID.randomUUID())
                .headers(h -> h.setBearerAuth(TestTokens.wrongSignature("a"))).exchange(), 401, "unauthorized");
        expectProblem(client.get().uri("/api/v1/conversations/" + UUID.randomUUID())
                .headers(h -> h.setBearerAuth(TestTokens.unsigned("a"))).exchange(), 401, "unauthorized");
    }

    static Set<String> fieldNames(JsonNode node) {
        return node.propertyNames().stream().collect(Collectors.toSet());
    }
}
