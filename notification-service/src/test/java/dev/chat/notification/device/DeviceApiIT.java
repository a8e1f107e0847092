package dev.chat.notification.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.notification.NotificationServiceIT;
import dev.chat.notification.support.Devices;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/** {@code POST/GET/DELETE /api/v1/devices} as API.md "Devices" describes them. */
@NotificationServiceIT
class DeviceApiIT {

    private static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    @Autowired
    WebTestClient client;

    Devices devices;

    @BeforeEach
    void setUp() {
        devices = new Devices(client);
    }

    @Test
    void registeringIs201WithTheDeviceAndTheSameTokenAgainIs200() {
        String alice = Devices.user("alice");
        String token = Devices.apnsToken();
        JsonNode created = devices.register(alice, Map.of("platform", "ios", "token", token, "app_id", "dev.chat.app",
                        "environment", "sandbox"))
                .expectStatus().isCreated()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/api/v1/devices/" + token)
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(created.propertyNames()).containsExactlyInAnyOrder("platform", "token", "app_id", "environment",
                "created_at");
        assertThat(created.get("platform").asString()).isEqualTo("ios");
        assertThat(created.get("token").asString()).isEqualTo(token);
        assertThat(created.get("app_id").asString()).isEqualTo("dev.chat.app");
        assertThat(created.get("environment").asString()).isEqualTo("sandbox");
        assertThat(created.get("created_at").asString()).matches(TIMESTAMP);

        // the same token again (an app registers at every start), upper-case hex this time: 200, one device
        JsonNode again = devices.register(alice, Map.of("platform", "ios", "token", token.toUpperCase(),
                        "app_id", "dev.chat.app", "environment", "production"))
                .expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(again.get("environment").asString()).isEqualTo("production");
        assertThat(again.get("created_at").asString()).isEqualTo(created.get("created_at").asString());

        JsonNode list = devices.list(alice).expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
        assertThat(list.get("devices")).hasSize(1);
        assertThat(list.get("devices").get(0).get("token").asString()).isEqualTo(token);
    }

    @Test
    void environmentDefaultsToProductionAndAppIdToNull() {
        String bob = Devices.user("bob");
        String token = Devices.fcmToken();
        devices.register(bob, Map.of("platform", "android", "token", token))
                .expectStatus().isCreated()
                .expectBody()
                .jsonPath("$.environment").isEqualTo("production")
                .jsonPath("$.app_id").isEqualTo(null)
                .jsonPath("$.platform").isEqualTo("android");
    }

    @Test
    void aTokenRegisteredByAnotherUserMovesToThatUser() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String token = devices.android(alice);

        devices.register(bob, Map.of("platform", "android", "token", token)).expectStatus().isOk();

        assertThat(tokens(bob)).containsExactly(token);
        assertThat(tokens(alice)).isEmpty();
        devices.delete(alice, token).expectStatus().isNotFound();
    }

    @Test
    void everyoneSeesOnlyTheirOwnDevicesOldestFirst() {
        String alice = Devices.user("alice");
        String first = devices.android(alice);
        String second = devices.ios(alice);
        devices.android(Devices.user("carol"));

        assertThat(tokens(alice)).containsExactly(first, second);
    }

    @Test
    void deleteIs204ForMineAnd404ForAnothersOrAnUnknownToken() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String token = devices.ios(alice);

        devices.delete(bob, token).expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.code").isEqualTo("device_not_found");
        assertThat(tokens(alice)).containsExactly(token);

        devices.delete(alice, token.toUpperCase()).expectStatus().isNoContent().expectBody().isEmpty();
        assertThat(tokens(alice)).isEmpty();
        devices.delete(alice, token).expectStatus().isNotFound()
                .expectBody().jsonPath("$.code").isEqualTo("device_not_found");
    }

    @Test
    void missingFieldsAreValidationFailedNamingThem() {
        devices.register(Devices.user("alice"), Map.of())
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.code").isEqualTo("validation_failed")
                .jsonPath("$.errors[0].field").isEqualTo("platform")
                .jsonPath("$.errors[1].field").isEqualTo("token");
    }

    @Test
    void badValuesHaveTheirOwnCodes() {
        String alice = Devices.user("alice");
        expectCode(alice, Map.of("platform", "windows", "token", "abc"), "invalid_platform", "platform");
        expectCode(alice, Map.of("platform", "ios", "token", "not-hex"), "invalid_token", "token");
        expectCode(alice, Map.of("platform", "ios", "token", "abc"), "invalid_token", "token");
        expectCode(alice, Map.of("platform", "android", "token", "has a space"), "invalid_token", "token");
        expectCode(alice, Map.of("platform", "android", "token", ""), "invalid_token", "token");
        expectCode(alice, Map.of("platform", "android", "token", "x".repeat(4097)), "invalid_token", "token");
        expectCode(alice, Map.of("platform", "android", "token", Devices.fcmToken(), "environment", "staging"),
                "invalid_environment", "environment");
        expectCode(alice, Map.of("platform", "ios", "token", Devices.apnsToken(), "app_id", "no spaces allowed"),
                "invalid_app_id", "app_id");
        assertThat(tokens(alice)).isEmpty();
    }

    @Test
    void malformedJsonAndWrongTypesAreMalformedRequest() {
        client.post().uri("/api/v1/devices")
                .headers(h -> h.setBearerAuth(TestTokens.token("alice")))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"platform\": ")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("malformed_request");
        Map<String, Object> wrongType = new HashMap<>();
        wrongType.put("platform", "android");
        wrongType.put("token", List.of("a"));
        devices.register("alice", wrongType).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("malformed_request");
    }

    @Test
    void withoutATokenEveryDevicesCallIs401() {
        client.get().uri("/api/v1/devices").exchange().expectStatus().isUnauthorized();
        client.post().uri("/api/v1/devices").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("platform", "android", "token", "t")).exchange().expectStatus().isUnauthorized();
        client.delete().uri("/api/v1/devices/t").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void aUserKeepsTheirMostRecentlyRegisteredDevicesUpToTheLimit() {
        String dave = Devices.user("dave");
        String first = devices.android(dave);
        for (int i = 0; i < 20; i++) {
            devices.android(dave);
        }
        List<String> mine = tokens(dave);
        assertThat(mine).hasSize(20).doesNotContain(first);
    }

    private void expectCode(String user, Map<String, ?> body, String code, String field) {
        devices.register(user, body)
                .expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.code").isEqualTo(code)
                .jsonPath("$.errors[0].field").isEqualTo(field);
    }

    private List<String> tokens(String user) {
        JsonNode list = devices.list(user).expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
        return list.get("devices").valueStream().map(d -> d.get("token").asString()).toList();
    }
}
