package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;

/**
 * The gateway in front of two WireMock services: nothing without a valid token reaches them,
 * and what does is forwarded as sent, minus identity headers.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class GatewayRoutingIT {

    @RegisterExtension
    static WireMockExtension messageService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static WireMockExtension notificationService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", messageService::baseUrl);
        registry.add("chat.gateway.notification-service-uri", notificationService::baseUrl);
    }

    @Autowired
    WebTestClient client;

    static Stream<Arguments> badTokens() {
        return Stream.of(
                Arguments.of("wrong signature", TestTokens.wrongSignature("alice")),
                Arguments.of("expired", TestTokens.expired("alice")),
                Arguments.of("alg none", TestTokens.unsigned("alice")),
                Arguments.of("not a JWT", "not-a-jwt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void aBadTokenIs401AndReachesNoService(String why, String token) {
        stubEverything();

        expectProblem(client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        expectProblem(client.post().uri("/api/v1/devices")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"platform\":\"android\",\"token\":\"t\"}")
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");

        assertNoServiceWasCalled();
    }

    @Test
    void noTokenIs401AndReachesNoService() {
        stubEverything();

        expectProblem(client.get().uri("/api/v1/conversations").exchange(), HttpStatus.UNAUTHORIZED, "unauthorized")
                .jsonPath("$.instance").isEqualTo("/api/v1/conversations");
        expectProblem(client.get().uri("/api/v1/devices").exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        // an identity header alone is not a token
        expectProblem(client.get().uri("/api/v1/conversations").header("X-User-Id", "alice").exchange(),
                HttpStatus.UNAUTHORIZED, "unauthorized");
        // a query token counts only on the WebSocket upgrade
        expectProblem(client.get().uri("/api/v1/conversations?access_token={t}", TestTokens.token("alice")).exchange(),
                HttpStatus.UNAUTHORIZED, "unauthorized");

        assertNoServiceWasCalled();
    }

    @Test
    void aValidRequestIsForwardedWithItsTokenBodyAndStatusButWithoutIdentityHeaders() {
        String token = TestTokens.token("alice");
        String body = "{\"conversation_id\":\"0b7a7c1e-3f4e-4a57-9b55-111111111111\",\"content\":\"hi\"}";
        String created = "{\"id\":\"m1\",\"seq\":1,\"content\":\"hi\"}";
        messageService.stubFor(post("/api/v1/messages").willReturn(aResponse().withStatus(201)
                .withHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
                .withHeader("X-Backend", "message-service")
                .withBody(created)));

        client.post().uri("/api/v1/messages")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .header("X-User-Id", "mallory")
                .header("X-User-Name", "Mallory")
                .header("X-Forwarded-User", "mallory")
                .header("Idempotency-Key", "k-1")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isCreated()
                .expectHeader().valueEquals("X-Backend", "message-service")
                .expectBody().json(created);

        messageService.verify(1, postRequestedFor(urlEqualTo("/api/v1/messages"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer " + token))
                .withHeader("Idempotency-Key", equalTo("k-1"))
                .withoutHeader("X-User-Id")
                .withoutHeader("X-User-Name")
                .withoutHeader("X-Forwarded-User")
                .withRequestBody(equalToJson(body)));
        assertThat(notificationService.getAllServeEvents()).isEmpty();
    }

    @Test
    void queryStringAndErrorAnswersOfAServicePassThroughUnchanged() {
        String problem = "{\"type\":\"urn:chat:problem:not_a_participant\",\"status\":404,\"code\":\"not_a_participant\"}";
        messageService.stubFor(get(urlPathEqualTo("/api/v1/conversations/c1/messages")).willReturn(aResponse()
                .withStatus(404)
                .withHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                .withBody(problem)));

        client.get().uri("/api/v1/conversations/c1/messages?after_seq=5&limit=20")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().json(problem);

        messageService.verify(1, getRequestedFor(urlEqualTo("/api/v1/conversations/c1/messages?after_seq=5&limit=20")));
    }

    @Test
    void devicesGoToTheNotificationService() {
        String token = TestTokens.token("bob");
        notificationService.stubFor(get("/api/v1/devices").willReturn(okJson("{\"devices\":[]}")));
        notificationService.stubFor(post("/api/v1/devices").willReturn(aResponse().withStatus(201)
                .withHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
                .withBody("{\"platform\":\"ios\",\"token\":\"abc\"}")));
        notificationService.stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete("/api/v1/devices/abc")
                .willReturn(aResponse().withStatus(204)));

        client.get().uri("/api/v1/devices").header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange()
                .expectStatus().isOk()
                .expectBody().json("{\"devices\":[]}");
        client.post().uri("/api/v1/devices").header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .header("X-User-Id", "mallory")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"platform\":\"ios\",\"token\":\"abc\"}")
                .exchange()
                .expectStatus().isCreated();
        client.delete().uri("/api/v1/devices/abc").header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange()
                .expectStatus().isNoContent();

        notificationService.verify(3, anyRequestedFor(anyUrl())
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer " + token))
                .withoutHeader("X-User-Id"));
        assertThat(messageService.getAllServeEvents()).isEmpty();
    }

    @Test
    void anUnknownPathIs404() {
        expectProblem(client.get().uri("/nothing/here")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange(), HttpStatus.NOT_FOUND, "not_found");
        assertNoServiceWasCalled();
    }

    @Test
    void anUnknownPathWithoutTokenIs401() {
        expectProblem(client.get().uri("/nothing/here").exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
    }

    @Test
    void devTokensAreOffByDefault() {
        expectProblem(client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\":\"alice\"}")
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        assertNoServiceWasCalled();
    }

    @Test
    void healthIsOpen() {
        client.get().uri("/actuator/health/readiness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
        client.get().uri("/actuator/health/liveness").exchange()
                .expectStatus().isOk();
    }

    @Test
    void theServicesOpenApiDocumentsAreProxiedWithoutAToken() {
        String messageDoc = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"message-service\"}}";
        String notificationDoc = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"notification-service\"}}";
        messageService.stubFor(get("/v3/api-docs").willReturn(okJson(messageDoc)));
        notificationService.stubFor(get("/v3/api-docs").willReturn(okJson(notificationDoc)));

        client.get().uri("/v3/api-docs/message-service").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody().json(messageDoc);
        client.get().uri("/v3/api-docs/notification-service").exchange()
                .expectStatus().isOk()
                .expectBody().json(notificationDoc);

        messageService.verify(1, getRequestedFor(urlEqualTo("/v3/api-docs")));
        notificationService.verify(1, getRequestedFor(urlEqualTo("/v3/api-docs")));
        assertThat(messageService.getAllServeEvents()).hasSize(1);
        assertThat(notificationService.getAllServeEvents()).hasSize(1);
    }

    @Test
    void theGatewayListsTheOpenApiDocuments() {
        client.get().uri("/v3/api-docs").exchange()
                .expectStatus().isOk()
                .expectBody().json("""
                        {"urls":[{"name":"message-service","url":"/v3/api-docs/message-service"},
                                 {"name":"notification-service","url":"/v3/api-docs/notification-service"}]}""");
        assertNoServiceWasCalled();
    }

    @Test
    void onlyReadingTheOpenApiDocumentsIsOpen() {
        stubEverything();

        expectProblem(client.post().uri("/v3/api-docs/message-service").exchange(),
                HttpStatus.UNAUTHORIZED, "unauthorized");
        expectProblem(client.get().uri("/v3/api-docs/message-service")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.wrongSignature("alice"))
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        expectProblem(client.get().uri("/v3/api-docs/unknown-service").exchange(), HttpStatus.NOT_FOUND, "not_found");
        assertNoServiceWasCalled();
    }

    private static void stubEverything() {
        messageService.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(anyUrl()).willReturn(okJson("{}")));
        notificationService.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(anyUrl()).willReturn(okJson("{}")));
    }

    private static void assertNoServiceWasCalled() {
        assertThat(messageService.getAllServeEvents()).isEmpty();
        assertThat(notificationService.getAllServeEvents()).isEmpty();
    }
}
