package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;

/**
 * A service that is down, slow or broken is answered as problem+json: 503, 504, 502; never a 500.
 * The notification and websocket services here are ports nothing listens on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.cloud.gateway.server.webflux.httpclient.response-timeout=3s")
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class BackendFailureIT {

    @RegisterExtension
    static WireMockExtension messageService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", messageService::baseUrl);
        registry.add("chat.gateway.notification-service-uri", () -> "http://127.0.0.1:" + unusedPort());
        registry.add("chat.gateway.websocket-service-uri", () -> "http://127.0.0.1:" + unusedPort());
    }

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    @Test
    void aServiceThatRefusesConnectionsIs503() {
        expectProblem(client.get().uri("/api/v1/devices")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange(), HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable")
                .jsonPath("$.instance").isEqualTo("/api/v1/devices");
    }

    @Test
    void aServiceThatDoesNotAnswerInTimeIs504() {
        messageService.stubFor(get("/api/v1/conversations").willReturn(aResponse().withStatus(200)
                .withFixedDelay(6_000)));

        expectProblem(client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange(), HttpStatus.GATEWAY_TIMEOUT, "gateway_timeout");
        messageService.verify(1, getRequestedFor(urlEqualTo("/api/v1/conversations")));
    }

    @Test
    void aServiceThatHangsUpWithoutAnswerIs502() {
        messageService.stubFor(get("/api/v1/conversations").willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));

        expectProblem(client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange(), HttpStatus.BAD_GATEWAY, "bad_gateway");
    }

    @Test
    void aWebSocketToAServiceThatIsDownIsClosedWith1013() {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(TestTokens.token("alice"));
        AtomicReference<CloseStatus> closed = new AtomicReference<>();

        new ReactorNettyWebSocketClient().execute(URI.create("ws://localhost:" + port + "/ws"), headers,
                session -> session.closeStatus().doOnNext(closed::set).then())
                .block(Duration.ofSeconds(10));

        assertThat(closed.get()).isNotNull();
        assertThat(closed.get().getCode()).isEqualTo(1013);
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
