package dev.chat.notification.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.notification.NotificationServiceIT;
import dev.chat.notification.support.Devices;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/**
 * BOLA on devices: bob knows alice's push tokens (they are not secrets to a determined attacker) and tries
 * them. He never sees them listed, deleting one is the same 404 {@code device_not_found} as a token nobody
 * registered (existence never leaks: same status, code, title and detail), an identity header changes
 * nothing, and alice keeps her devices.
 */
@NotificationServiceIT
class DeviceAuthorizationIT {

    @Autowired
    WebTestClient client;

    Devices devices;

    @BeforeEach
    void setUp() {
        devices = new Devices(client);
    }

    @Test
    void anotherUsersDevicesCannotBeListedOrDeletedAndTheirExistenceDoesNotLeak() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String iosToken = devices.ios(alice);
        String androidToken = devices.android(alice);
        String bobsOwn = devices.android(bob);

        assertThat(tokens(bob)).containsExactly(bobsOwn);

        JsonNode unknown = problem(devices.delete(bob, Devices.fcmToken()));
        for (String token : List.of(iosToken, iosToken.toUpperCase(), androidToken)) {
            JsonNode refused = problem(devices.delete(bob, token));
            assertThat(refused.get("code").asString()).isEqualTo("device_not_found");
            for (String field : List.of("status", "code", "title", "detail", "type", "errors")) {
                assertThat(refused.get(field)).as(field).isEqualTo(unknown.get(field));
            }
        }
        // a client-supplied identity header is not an identity
        client.delete().uri("/api/v1/devices/{token}", androidToken)
                .headers(h -> {
                    h.setBearerAuth(TestTokens.token(bob));
                    h.set("X-User-Id", alice);
                })
                .exchange().expectStatus().isNotFound();

        assertThat(tokens(alice)).containsExactly(iosToken, androidToken);
        assertThat(tokens(bob)).containsExactly(bobsOwn);
        // and alice still deletes her own
        devices.delete(alice, androidToken).expectStatus().isNoContent();
        assertThat(tokens(alice)).containsExactly(iosToken);
    }

    private static JsonNode problem(WebTestClient.ResponseSpec response) {
        return response.expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private List<String> tokens(String user) {
        JsonNode list = devices.list(user).expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
        return list.get("devices").valueStream().map(d -> d.get("token").asString()).toList();
    }
}
