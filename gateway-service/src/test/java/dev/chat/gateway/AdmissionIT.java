package dev.chat.gateway;

import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import dev.chat.shared.limit.AdmissionWebFilter;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The gateway's own in-flight limit (2 in flight, 1 waiting) against a Reactor Netty server standing in for
 * message-service and websocket-service that holds {@code /api/v1/slow} until the test lets it answer: past the
 * limit a REST request is 503 problem+json {@code overloaded} with a Retry-After in range and never reaches the
 * service; WebSockets neither count nor are refused; a service's own 503 passes through with its Retry-After.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.gateway.admission.max-in-flight=2",
        "chat.gateway.admission.max-waiting=1",
        "chat.gateway.admission.max-wait=1500ms",
        "chat.gateway.admission.retry-after.base=2s",
        "chat.gateway.admission.retry-after.spread=3s" })
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class AdmissionIT {

    static final Duration TIMEOUT = Duration.ofSeconds(15);
    static final AtomicInteger slowArrivals = new AtomicInteger();
    static final AtomicReference<Sinks.Empty<Void>> answerSlow = new AtomicReference<>(Sinks.empty());
    static DisposableServer upstream;

    @BeforeAll
    static void startUpstream() {
        upstream = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes
                        .get("/api/v1/slow", (request, response) -> {
                            slowArrivals.incrementAndGet();
                            return answerSlow.get().asMono().then(response.status(200)
                                    .header(HttpHeaders.CONTENT_TYPE, "application/json").sendString(Mono.just("{}")).then());
                        })
                        .get("/api/v1/fast", (request, response) -> response.status(200)
                                .header(HttpHeaders.CONTENT_TYPE, "application/json").sendString(Mono.just("{}")))
                        // message-service shedding: its answer must reach the client as it is
                        .get("/api/v1/busy", (request, response) -> response.status(503)
                                .header(HttpHeaders.RETRY_AFTER, "7")
                                .header(HttpHeaders.CONTENT_TYPE, "application/problem+json")
                                .sendString(Mono.just("{\"type\":\"urn:chat:problem:overloaded\",\"title\":\"Service Unavailable\","
                                        + "\"status\":503,\"detail\":\"This message-service instance is at its limit\","
                                        + "\"instance\":\"/api/v1/busy\",\"code\":\"overloaded\",\"errors\":[]}")))
                        .ws("/ws", (in, out) -> out.sendString(in.receive().asString().map(text -> "echo:" + text))))
                .bindNow();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.disposeNow();
    }

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", () -> "http://127.0.0.1:" + upstream.port());
        registry.add("chat.gateway.websocket-service-uri", () -> "http://127.0.0.1:" + upstream.port());
    }

    @LocalServerPort
    int port;

    @Autowired
    WebTestClient client;

    @Autowired
    AdmissionWebFilter admission;

    @Autowired
    MeterRegistry meters;

    private final List<Disposable> pending = new ArrayList<>();

    @BeforeEach
    void nothingInFlight() {
        answerSlow.get().tryEmitEmpty();
        pending.forEach(Disposable::dispose);
        await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 0 && admission.admission().waiting() == 0);
        answerSlow.set(Sinks.empty());
        slowArrivals.set(0);
    }

    @Test
    void pastTheLimitARequestIs503OverloadedNeverProxiedAndAdmittedAgainOnceLoadDrops() throws Exception {
        double queueFullBefore = shed("queue_full");
        double timedOutBefore = shed("wait_timed_out");
        CompletableFuture<Integer> first = get("/api/v1/slow");
        CompletableFuture<Integer> second = get("/api/v1/slow");
        await().atMost(TIMEOUT).until(() -> slowArrivals.get() == 2 && admission.admission().inFlight() == 2);
        assertThat(meters.get("chat.gateway.admission.in-flight").gauge().value()).isEqualTo(2);

        CompletableFuture<Integer> waiting = get("/api/v1/slow");
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(5)).until(() -> admission.admission().waiting() == 1);
        WebTestClient.ResponseSpec refused = client.get().uri("/api/v1/slow")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("carol")).exchange();
        refused.expectHeader().value(HttpHeaders.RETRY_AFTER,
                retryAfter -> assertThat(Long.parseLong(retryAfter)).isBetween(2L, 5L));
        expectProblem(refused, HttpStatus.SERVICE_UNAVAILABLE, "overloaded")
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("This gateway replica"));
        assertThat(shed("queue_full")).isEqualTo(queueFullBefore + 1);

        assertThat(waiting.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(503);
        assertThat(shed("wait_timed_out")).isEqualTo(timedOutBefore + 1);
        // refused before authentication: a request without a token is shed too, not answered 401
        expectProblem(client.get().uri("/api/v1/slow").exchange(), HttpStatus.SERVICE_UNAVAILABLE, "overloaded");
        // neither refused request reached the service
        assertThat(slowArrivals.get()).isEqualTo(2);

        // saturated, yet the probes answer and a WebSocket is upgraded and proxied (it is not counted either)
        client.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        assertThat(echoThroughWebSocket("hi")).isEqualTo("echo:hi");
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();

        answerSlow.get().tryEmitEmpty();
        assertThat(first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(second.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 0);
        client.get().uri("/api/v1/fast").header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("carol"))
                .exchange().expectStatus().isOk();
    }

    @Test
    void aServicesOwn503PassesThroughWithItsRetryAfter() {
        WebTestClient.ResponseSpec busy = client.get().uri("/api/v1/busy")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice")).exchange();

        busy.expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "7");
        expectProblem(busy, HttpStatus.SERVICE_UNAVAILABLE, "overloaded")
                .jsonPath("$.detail").isEqualTo("This message-service instance is at its limit");
    }

    @Test
    void aRequestWhoseClientGoesAwayGivesItsPermitBack() {
        CompletableFuture<Integer> held = get("/api/v1/slow");
        await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 1 && slowArrivals.get() == 1);

        held.cancel(true);
        pending.forEach(Disposable::dispose);

        await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 0);
    }

    @Test
    void openWebSocketsAreNotCounted() throws Exception {
        CompletableFuture<String> socket = new CompletableFuture<>();
        Sinks.Empty<Void> closeIt = Sinks.empty();
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(TestTokens.token("dave"));
        pending.add(new ReactorNettyWebSocketClient().execute(URI.create("ws://localhost:" + port + "/ws"), headers,
                        session -> session.send(Mono.just(session.textMessage("open")))
                                .thenMany(session.receive().take(1).doOnNext(m -> socket.complete(m.getPayloadAsText())))
                                .then(closeIt.asMono()))
                .subscribe());
        assertThat(socket.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("echo:open");

        assertThat(admission.admission().inFlight()).isZero();
        closeIt.tryEmitEmpty();
    }

    private String echoThroughWebSocket(String text) {
        AtomicReference<String> echoed = new AtomicReference<>();
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(TestTokens.token("erin"));
        new ReactorNettyWebSocketClient().execute(URI.create("ws://localhost:" + port + "/ws"), headers,
                        session -> session.send(Mono.just(session.textMessage(text)))
                                .thenMany(session.receive().take(1).doOnNext(m -> echoed.set(m.getPayloadAsText())))
                                .then())
                .block(TIMEOUT);
        return echoed.get();
    }

    private double shed(String reason) {
        return meters.get("chat.gateway.admission.shed").tag("reason", reason).counter().count();
    }

    /** A GET in the background, on its own connection; completes with the status. */
    private CompletableFuture<Integer> get(String path) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        pending.add(WebClient.create("http://localhost:" + port).get().uri(path)
                .headers(h -> h.setBearerAuth(TestTokens.token("bob")))
                .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value()))
                .subscribe(status::complete, status::completeExceptionally));
        return status;
    }
}
