package dev.chat.notification.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.AuthTestConfiguration;
import tools.jackson.databind.JsonNode;

/** {@code GET /v3/api-docs}: the OpenAPI description, open without a token. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
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
        // only the REST API is described (no actuator); the devices API is not built yet, so this may be empty
        assertThat(doc.get("paths").propertyNames()).allSatisfy(path -> assertThat(path).startsWith("/api/"));
    }
}
