package dev.chat.message.conversation;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/** The conversation endpoints beyond create and get, as a given user (next to the shared {@code Api} helper). */
final class ConversationCalls {

    private final WebTestClient client;

    ConversationCalls(WebTestClient client) {
        this.client = client;
    }

    WebTestClient.ResponseSpec list(String user, String query) {
        return client.get().uri("/api/v1/conversations" + query)
                .headers(h -> h.setBearerAuth(TestTokens.token(user))).exchange();
    }

    JsonNode listOk(String user, String query) {
        return body(list(user, query).expectStatus().isOk());
    }

    WebTestClient.ResponseSpec participants(String user, UUID id, String query) {
        return client.get().uri("/api/v1/conversations/" + id + "/participants" + query)
                .headers(h -> h.setBearerAuth(TestTokens.token(user))).exchange();
    }

    WebTestClient.ResponseSpec patch(String user, UUID id, Object body) {
        return client.patch().uri("/api/v1/conversations/" + id)
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    WebTestClient.ResponseSpec rename(String user, UUID id, String title) {
        return patch(user, id, title == null ? "{\"title\": null}" : Map.of("title", title));
    }

    WebTestClient.ResponseSpec add(String user, UUID id, List<String> userIds) {
        return client.post().uri("/api/v1/conversations/" + id + "/participants")
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("user_ids", userIds))
                .exchange();
    }

    WebTestClient.ResponseSpec remove(String user, UUID id, String target) {
        return client.delete().uri("/api/v1/conversations/{id}/participants/{user}", id, target)
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .exchange();
    }

    WebTestClient.ResponseSpec settings(String user, UUID id, Object body) {
        return client.put().uri("/api/v1/conversations/" + id + "/settings")
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    JsonNode get(String user, UUID id) {
        return body(client.get().uri("/api/v1/conversations/" + id)
                .headers(h -> h.setBearerAuth(TestTokens.token(user))).exchange().expectStatus().isOk());
    }

    static JsonNode body(WebTestClient.ResponseSpec response) {
        return response.expectBody(JsonNode.class).returnResult().getResponseBody();
    }
}
