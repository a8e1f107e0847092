package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Rate limits per verified user and rule, in front of a WireMock message-service.
 * <p>
 * send-message keeps its burst of 20 from application.yml, but refills at 0.2/s (one token per
 * 5 s) instead of 10/s: at 10/s a token comes back every 100 ms, so how many of 25 requests pass
 * would depend on how fast this machine sends them. The other lowered rules show that per-rule
 * configuration is honoured.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.gateway.rate-limits.rules.send-message.refill-per-second=0.2",
        "chat.gateway.rate-limits.rules.api.capacity=3",
        "chat.gateway.rate-limits.rules.api.refill-per-second=0.1",
        "chat.gateway.rate-limits.rules.websocket-connect.capacity=1",
        "chat.gateway.rate-limits.rules.websocket-connect.refill-per-second=0.1",
        "chat.gateway.rate-limits.rules.dev-tokens.capacity=2",
        "chat.gateway.rate-limits.rules.dev-tokens.refill-per-second=0.1",
        "chat.auth.dev-tokens.enabled=true" })
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class RateLimitIT {

    private static final String MESSAGE = "{\"conversation_id\":\"0b7a7c1e-3f4e-4a57-9b55-111111111111\",\"content\":\"hi\"}";

    @RegisterExtension
    static WireMockExtension messageService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", messageService::baseUrl);
        registry.add("chat.gateway.websocket-service-uri", messageService::baseUrl);
    }

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    private WebClient webClient;

    @BeforeEach
    void stubs() {
        messageService.stubFor(post("/api/v1/messages").willReturn(aResponse().withStatus(201)
                .withHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
                .withBody("{\"id\":\"m1\"}")));
        messageService.stubFor(get(urlPathEqualTo("/api/v1/conversations")).willReturn(okJson("{\"conversations\":[]}")));
        messageService.stubFor(get("/ws").willReturn(aResponse().withStatus(400)));
    }

    record Answer(int status, String retryAfter, String remaining, MediaType contentType, String body) {
    }

    @Test
    void aBurstOf25SendsLets20ThroughAndTheRestAre429UntilTheBucketRefills() {
        String alice = user("alice");
        String token = TestTokens.token(alice);

        List<Answer> answers = Flux.range(0, 25)
                .flatMap(i -> send(token), 25)
                .collectList()
                .block(Duration.ofSeconds(30));

        List<Answer> passed = answers.stream().filter(a -> a.status() == 201).toList();
        List<Answer> limited = answers.stream().filter(a -> a.status() == 429).toList();
        assertThat(passed).hasSize(20);
        assertThat(limited).hasSize(5);
        assertThat(passed).extracting(Answer::remaining).doesNotContainNull();
        assertThat(passed).extracting(a -> Integer.parseInt(a.remaining()))
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).boxed().toList());
        assertThat(limited).allSatisfy(answer -> {
            assertThat(answer.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
            assertThat(answer.body()).contains("\"code\":\"rate_limited\"").contains("\"status\":429");
            // one token every 5 s
            assertThat(Long.parseLong(answer.retryAfter())).isBetween(1L, 5L);
        });
        messageService.verify(20, postRequestedFor(urlEqualTo("/api/v1/messages")));

        // one more, as the problem+json the client sees
        expectProblem(client.post().uri("/api/v1/messages")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(MESSAGE)
                .exchange()
                .expectHeader().exists(HttpHeaders.RETRY_AFTER), HttpStatus.TOO_MANY_REQUESTS, "rate_limited")
                .jsonPath("$.type").isEqualTo("urn:chat:problem:rate_limited")
                .jsonPath("$.instance").isEqualTo("/api/v1/messages");

        // another user is not affected
        assertThat(send(TestTokens.token(user("bob"))).block(Duration.ofSeconds(10)).status()).isEqualTo(201);
        messageService.verify(21, postRequestedFor(urlEqualTo("/api/v1/messages")));

        // rejected requests took nothing: once a token has refilled, alice can send again
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> send(token).block(Duration.ofSeconds(10)).status() == 201);
        messageService.verify(21, postRequestedFor(urlEqualTo("/api/v1/messages"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer " + token)));
    }

    @Test
    void aLoweredRuleIsHonouredAndEachRuleHasItsOwnBucket() {
        String carol = TestTokens.token(user("carol"));

        for (int i = 2; i >= 0; i--) {
            client.get().uri("/api/v1/conversations").header(HttpHeaders.AUTHORIZATION, "Bearer " + carol)
                    .exchange()
                    .expectStatus().isOk()
                    .expectHeader().valueEquals("X-RateLimit-Remaining", String.valueOf(i));
        }
        expectProblem(client.get().uri("/api/v1/conversations").header(HttpHeaders.AUTHORIZATION, "Bearer " + carol)
                .exchange()
                .expectHeader().value(HttpHeaders.RETRY_AFTER, v -> assertThat(Long.parseLong(v)).isBetween(1L, 10L)),
                HttpStatus.TOO_MANY_REQUESTS, "rate_limited");
        messageService.verify(3, getRequestedFor(urlPathEqualTo("/api/v1/conversations")));

        // sending messages is another rule with another bucket
        assertThat(send(carol).block(Duration.ofSeconds(10)).status()).isEqualTo(201);
    }

    @Test
    void requestsWithoutAValidTokenAre401NeverCountedOr429() {
        for (int i = 0; i < 6; i++) {
            expectProblem(client.get().uri("/api/v1/conversations").exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
            expectProblem(client.get().uri("/api/v1/conversations")
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.expired("dave"))
                    .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        }
        assertThat(messageService.getAllServeEvents()).isEmpty();

        // and the user they claimed to be still has a full bucket
        client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("dave"))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-RateLimit-Remaining", "2");
    }

    @Test
    void webSocketConnectsAreLimitedPerUser() {
        String erin = TestTokens.token(user("erin"));

        client.get().uri("/ws").header(HttpHeaders.AUTHORIZATION, "Bearer " + erin).exchange()
                .expectStatus().isBadRequest();
        expectProblem(client.get().uri("/ws").header(HttpHeaders.AUTHORIZATION, "Bearer " + erin).exchange(),
                HttpStatus.TOO_MANY_REQUESTS, "rate_limited");
        messageService.verify(1, getRequestedFor(urlEqualTo("/ws")));
    }

    @Test
    void theOpenDevTokenEndpointIsLimitedPerClientIp() {
        for (int i = 0; i < 2; i++) {
            client.post().uri("/api/v1/dev/tokens").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"user_id\":\"frank\"}")
                    .exchange()
                    .expectStatus().isOk();
        }
        expectProblem(client.post().uri("/api/v1/dev/tokens").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\":\"frank\"}")
                .exchange()
                .expectHeader().exists(HttpHeaders.RETRY_AFTER), HttpStatus.TOO_MANY_REQUESTS, "rate_limited");
    }

    private Mono<Answer> send(String token) {
        if (webClient == null) {
            webClient = WebClient.create("http://localhost:" + port);
        }
        return webClient.post().uri("/api/v1/messages")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(MESSAGE)
                .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("")
                        .map(body -> new Answer(response.statusCode().value(),
                                response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER),
                                response.headers().asHttpHeaders().getFirst("X-RateLimit-Remaining"),
                                response.headers().contentType().orElse(MediaType.ALL), body)));
    }

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
