package dev.chat.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/**
 * Every endpoint under a conversation, called by someone who may not: an outsider gets 404 (the
 * conversation's existence never leaks), a member without the role gets 403, and afterwards
 * nothing has changed.
 */
@MessageServiceIT
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixIT {

    @Autowired
    WebTestClient client;

    Api api;
    String owner;
    String member;
    String outsider;
    UUID group;
    UUID ownersMessage;
    JsonNode before;
    JsonNode historyBefore;

    @BeforeAll
    void setUp() {
        api = new Api(client);
        owner = Api.user("owner");
        member = Api.user("member");
        outsider = Api.user("outsider");
        group = api.group(owner, member);
        ownersMessage = UUID.fromString(api.send(owner, group, "owner's words").get("id").asString());
        api.send(member, group, "member's words");
        before = conversation(owner);
        historyBefore = api.history(owner, group, "");
    }

    record Call(HttpMethod method, String path, Object body) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** Everything under the conversation, as an outsider would try it. */
    Stream<Arguments> everyConversationEndpoint() {
        return Stream.of(
                call(HttpMethod.GET, "/api/v1/conversations/" + group, null),
                call(HttpMethod.PATCH, "/api/v1/conversations/" + group, Map.of("title", "mine now")),
                call(HttpMethod.GET, "/api/v1/conversations/" + group + "/participants", null),
                call(HttpMethod.POST, "/api/v1/conversations/" + group + "/participants", Map.of("user_ids", List.of("x"))),
                call(HttpMethod.DELETE, "/api/v1/conversations/" + group + "/participants/" + member, null),
                call(HttpMethod.DELETE, "/api/v1/conversations/" + group + "/participants/" + outsider, null),
                call(HttpMethod.PUT, "/api/v1/conversations/" + group + "/settings", Map.of("muted_until", "2030-01-01T00:00:00.000Z")),
                call(HttpMethod.GET, "/api/v1/conversations/" + group + "/messages", null),
                call(HttpMethod.POST, "/api/v1/messages", Map.of("conversation_id", group, "content", "let me in")),
                call(HttpMethod.PATCH, "/api/v1/messages/" + ownersMessage, Map.of("content", "rewritten")),
                call(HttpMethod.DELETE, "/api/v1/messages/" + ownersMessage, null),
                call(HttpMethod.POST, "/api/v1/conversations/" + group + "/receipts", Map.of("read_seq", 2)),
                call(HttpMethod.GET, "/api/v1/messages/" + ownersMessage + "/receipts", null));
    }

    /** What a plain member may not do: owner/admin actions and changing someone else's message. */
    Stream<Arguments> roleOrOwnershipEndpoints() {
        return Stream.of(
                call(HttpMethod.PATCH, "/api/v1/conversations/" + group, Map.of("title", "renamed by a member")),
                call(HttpMethod.POST, "/api/v1/conversations/" + group + "/participants", Map.of("user_ids", List.of("x"))),
                call(HttpMethod.DELETE, "/api/v1/conversations/" + group + "/participants/" + owner, null),
                call(HttpMethod.PATCH, "/api/v1/messages/" + ownersMessage, Map.of("content", "rewritten")),
                call(HttpMethod.DELETE, "/api/v1/messages/" + ownersMessage, null));
    }

    @ParameterizedTest(name = "outsider: {0}")
    @MethodSource("everyConversationEndpoint")
    void anOutsiderGetsNotFoundAndChangesNothing(Call call) {
        WebTestClient.ResponseSpec response = exchange(outsider, call);
        response.expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.code").value(code -> assertThat((String) code)
                        .isIn("not_a_participant", "message_not_found"));
        assertUnchanged();
    }

    @ParameterizedTest(name = "member: {0}")
    @MethodSource("roleOrOwnershipEndpoints")
    void aMemberWithoutTheRoleGetsForbiddenAndChangesNothing(Call call) {
        exchange(member, call).expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.code").value(code -> assertThat((String) code)
                        .isIn("forbidden_role", "not_the_sender"));
        assertUnchanged();
    }

    private void assertUnchanged() {
        JsonNode now = conversation(owner);
        assertThat(now.get("title")).isEqualTo(before.get("title"));
        assertThat(now.get("participants")).isEqualTo(before.get("participants"));
        assertThat(now.get("last_seq")).isEqualTo(before.get("last_seq"));
        assertThat(api.history(owner, group, "").get("messages")).isEqualTo(historyBefore.get("messages"));
    }

    private JsonNode conversation(String user) {
        return api.get(user, "/api/v1/conversations/" + group).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private WebTestClient.ResponseSpec exchange(String user, Call call) {
        WebTestClient.RequestBodySpec request = client.method(call.method()).uri(call.path())
                .headers(h -> h.setBearerAuth(TestTokens.token(user)));
        if (call.body() != null) {
            return request.contentType(MediaType.APPLICATION_JSON).bodyValue(call.body()).exchange();
        }
        return request.exchange();
    }

    private static Arguments call(HttpMethod method, String path, Object body) {
        return Arguments.of(new Call(method, path, body));
    }
}
