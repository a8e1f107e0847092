package dev.chat.notification.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.notification.NotificationServiceIT;
import tools.jackson.databind.JsonNode;

/** {@code GET /v3/api-docs}: the OpenAPI description, open without a token. */
@NotificationServiceIT
class OpenApiIT {

    @Autowired
    WebTestClient client;

    @Test
    void theApiDescriptionIsOpenWithoutAToken() {
        JsonNode doc = client.get().uri("/v3/api-docs").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(doc.get("openapi").asString()).startsWith("3.");
        assertThat(doc.at("/info/title").asString()).isEqualTo("Chat notification-service API");
        assertThat(doc.at("/components/securitySchemes/bearer-jwt/scheme").asString()).isEqualTo("bearer");
        assertThat(doc.at("/security/0/bearer-jwt").isArray()).isTrue();
        // only the REST API is described (no actuator): the devices API
        assertThat(doc.get("paths").propertyNames()).containsExactlyInAnyOrder("/api/v1/devices", "/api/v1/devices/{token}");
        assertThat(doc.at("/paths/~1api~1v1~1devices/post/responses").propertyNames()).contains("200", "201");
    }
}
