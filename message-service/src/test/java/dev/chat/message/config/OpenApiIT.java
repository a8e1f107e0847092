package dev.chat.message.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.MessageServiceIT;
import tools.jackson.databind.JsonNode;

/** {@code GET /v3/api-docs}: the OpenAPI description, open without a token, in the service's own terms. */
@MessageServiceIT
class OpenApiIT {

    @Autowired
    WebTestClient client;

    @Test
    void theApiDescriptionIsOpenWithoutATokenAndListsTheMessageEndpoints() {
        JsonNode doc = client.get().uri("/v3/api-docs").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(doc.get("openapi").asString()).startsWith("3.");
        assertThat(doc.at("/info/title").asString()).isEqualTo("Chat message-service API");
        JsonNode paths = doc.get("paths");
        assertThat(paths.has("/api/v1/messages")).isTrue();
        assertThat(paths.has("/api/v1/conversations/{id}/messages")).isTrue();
        assertThat(paths.propertyNames()).allSatisfy(path -> assertThat(path).startsWith("/api/"));

        // bearer JWT for everything
        assertThat(doc.at("/components/securitySchemes/bearer-jwt/type").asString()).isEqualTo("http");
        assertThat(doc.at("/components/securitySchemes/bearer-jwt/scheme").asString()).isEqualTo("bearer");
        assertThat(doc.at("/components/securitySchemes/bearer-jwt/bearerFormat").asString()).isEqualTo("JWT");
        assertThat(doc.at("/security/0/bearer-jwt").isArray()).isTrue();

        // what the controllers do not say: 201 on create, problem+json errors, the gateway's 429
        JsonNode send = paths.at("/~1api~1v1~1messages/post");
        assertThat(send.at("/responses").has("201")).isTrue();
        assertThat(send.at("/responses/401/content").has("application/problem+json")).isTrue();
        assertThat(send.at("/responses/429/headers").has("Retry-After")).isTrue();
        assertThat(send.at("/requestBody/content").has("application/json")).isTrue();
        assertThat(send.at("/summary").asString()).startsWith("Send a message");
        assertThat(send.at("/tags/0").asString()).isEqualTo("message");
        assertThat(send.at("/responses").has("200")).as("an idempotent repeat").isTrue();
        assertThat(paths.at("/~1api~1v1~1messages~1{id}/delete/responses").has("204")).isTrue();
        assertThat(paths.at("/~1api~1v1~1messages~1{id}/delete/responses").has("200")).isFalse();
        JsonNode history = paths.at("/~1api~1v1~1conversations~1{id}~1messages/get");
        assertThat(history.at("/responses").has("404")).isTrue();

        // schemas in snake_case, as the JSON on the wire
        JsonNode schemas = doc.at("/components/schemas");
        assertThat(schemas.at("/SendMessageRequest/properties").has("conversation_id")).isTrue();
        assertThat(schemas.at("/SendMessageRequest/properties").has("conversationId")).isFalse();
        assertThat(schemas.at("/Problem/type").asString()).isEqualTo("object");
        assertThat(schemas.at("/Problem/properties/code/type").asString()).isEqualTo("string");
    }

    @Test
    void theApiItselfStillNeedsAToken() {
        client.get().uri("/api/v1/conversations/0b7a7c1e-3f4e-4a57-9b55-111111111111/messages").exchange()
                .expectStatus().isUnauthorized();
    }
}
