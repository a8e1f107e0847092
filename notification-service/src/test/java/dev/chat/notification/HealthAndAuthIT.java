package dev.chat.notification;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.TestTokens;

/** The service reports healthy without a token, and lets nothing else in without one. */
@NotificationServiceIT
class HealthAndAuthIT {

    @Autowired
    WebTestClient client;

    @Test
    void healthIsUpWithoutAToken() {
        client.get().uri("/actuator/health/readiness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
        client.get().uri("/actuator/health/liveness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
    }

    @Test
    void devicesWithoutATokenIs401ProblemJson() {
        client.get().uri("/api/v1/devices").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .expectBody()
                .jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.code").isEqualTo("unauthorized");
    }

    @Test
    void anInvalidTokenIs401() {
        client.get().uri("/api/v1/devices")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.wrongSignature("alice"))
                .exchange()
                .expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.code").isEqualTo("unauthorized");
    }

    @Test
    void anUnknownPathIs404ProblemJson() {
        client.get().uri("/api/v1/nothing-here")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.code").isEqualTo("not_found");
    }

    @Test
    void thePushHealthGroupShowsTheDecisionAndTheChannels() {
        client.get().uri("/actuator/health/push").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.components.pushChannels.details.fcm").isEqualTo("enabled")
                .jsonPath("$.components.pushChannels.details.apns").isEqualTo("enabled")
                .jsonPath("$.components.pushDecisions.details.state").exists();
    }
}
