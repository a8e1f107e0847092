package dev.chat.message;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/** Small helpers over WebTestClient: calls as a given user, with a real token. */
public final class Api {

    private final WebTestClient client;

    public Api(WebTestClient client) {
        this.client = client;
    }

    public static String user(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public WebTestClient.ResponseSpec post(String user, String path, Object body) {
        return client.post().uri(path)
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    public WebTestClient.ResponseSpec get(String user, String path) {
        return client.get().uri(path).headers(h -> h.setBearerAuth(TestTokens.token(user))).exchange();
    }

    public UUID direct(String a, String b) {
        JsonNode body = post(a, "/api/v1/conversations", Map.of("type", "direct", "participant_ids", List.of(b)))
                .expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        return UUID.fromString(body.get("id").asString());
    }

    public UUID group(String owner, String... others) {
        JsonNode body = post(owner, "/api/v1/conversations",
                Map.of("type", "group", "participant_ids", List.of(others), "title", "team"))
                .expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        return UUID.fromString(body.get("id").asString());
    }

    public JsonNode send(String sender, UUID conversationId, String content) {
        return post(sender, "/api/v1/messages", Map.of("conversation_id", conversationId, "content", content))
                .expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    public JsonNode history(String user, UUID conversationId, String query) {
        return get(user, "/api/v1/conversations/" + conversationId + "/messages" + query)
                .expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    /** A problem+json answer with this status and stable code, and every field of the shape. */
    public static void expectProblem(WebTestClient.ResponseSpec response, int status, String code) {
        response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.code").isEqualTo(code)
                .jsonPath("$.status").isEqualTo(status)
                .jsonPath("$.title").exists()
                .jsonPath("$.detail").exists()
                .jsonPath("$.type").isEqualTo("urn:chat:problem:" + code);
    }
}
