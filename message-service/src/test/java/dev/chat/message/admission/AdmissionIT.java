package dev.chat.message.admission;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.shared.limit.AdmissionWebFilter;
import dev.chat.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;

/**
 * Load shedding on the real server with a small limit (2 in flight, 1 waiting): sends are held in flight by a
 * row lock on their conversation taken by the test, so the limit is reached deterministically. Past it a
 * request is 503 problem+json {@code overloaded} with a Retry-After in range and stores nothing; probes and the
 * exempt paths still answer; once the held sends finish, requests are admitted again.
 */
@MessageServiceIT
@TestPropertySource(properties = {
        "chat.admission.max-in-flight=2",
        "chat.admission.max-waiting=1",
        "chat.admission.max-wait=1500ms",
        "chat.admission.retry-after.base=2s",
        "chat.admission.retry-after.spread=3s" })
class AdmissionIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Autowired
    WebTestClient client;

    @Autowired
    AdmissionWebFilter admission;

    @Autowired
    MeterRegistry meters;

    @LocalServerPort
    int port;

    @Value("${spring.flyway.url}")
    String jdbcUrl;

    @Value("${spring.flyway.user}")
    String jdbcUser;

    @Value("${spring.flyway.password}")
    String jdbcPassword;

    private final List<Disposable> pending = new ArrayList<>();

    Api api() {
        return new Api(client);
    }

    @BeforeEach
    void nothingInFlight() {
        pending.forEach(Disposable::dispose);
        await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 0 && admission.admission().waiting() == 0);
    }

    @Test
    void pastTheLimitRequestsAreShedWith503StoreNothingAndAreAdmittedAgainOnceLoadDrops() throws Exception {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api().direct(alice, bob);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID waited = UUID.randomUUID();
        UUID refusedAtOnce = UUID.randomUUID();
        double queueFullBefore = shed("queue_full");
        double timedOutBefore = shed("wait_timed_out");

        CompletableFuture<Integer> firstSend;
        CompletableFuture<Integer> secondSend;
        try (Connection lock = lockConversation(conversation)) {
            // two sends wait for the conversation's row lock: the two permits are taken
            firstSend = send(alice, conversation, first);
            secondSend = send(alice, conversation, second);
            await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 2);

            // a third waits for a permit (the one waiting place), a fourth finds no place: 503 at once
            CompletableFuture<Integer> waitingSend = send(alice, conversation, waited);
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(5)).until(() -> admission.admission().waiting() == 1);
            WebTestClient.ResponseSpec atOnce = post(alice, conversation, refusedAtOnce);
            atOnce.expectHeader().value(HttpHeaders.RETRY_AFTER,
                    retryAfter -> assertThat(Long.parseLong(retryAfter)).isBetween(2L, 5L));
            expectProblem(atOnce, 503, "overloaded");
            assertThat(shed("queue_full")).isEqualTo(queueFullBefore + 1);

            // the waiting one gives up after max-wait: 503 too
            assertThat(waitingSend.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(503);
            assertThat(shed("wait_timed_out")).isEqualTo(timedOutBefore + 1);
            // refused before authentication: a request without a token is shed too, not answered 401
            expectProblem(client.post().uri("/api/v1/messages").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body(conversation, UUID.randomUUID())).exchange(), 503, "overloaded");

            // saturated, yet probes and the websocket nodes' calls are answered
            client.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
            api().get(bob, "/api/v1/large-conversations").expectStatus().isOk();
            assertThat(firstSend).isNotDone();
            assertThat(secondSend).isNotDone();
            lock.rollback();
        }

        assertThat(firstSend.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(201);
        assertThat(secondSend.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(201);
        await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 0);

        // the shed sends stored nothing: history has the admitted two only
        JsonNode history = api().history(bob, conversation, "");
        List<String> stored = new ArrayList<>();
        history.get("messages").forEach(m -> stored.add(m.get("client_message_id").asString()));
        assertThat(stored).containsExactlyInAnyOrder(first.toString(), second.toString());

        // load has dropped: the retries of the shed sends are admitted and created (201, not a repeat's 200)
        post(alice, conversation, waited).expectStatus().isCreated();
        post(alice, conversation, refusedAtOnce).expectStatus().isCreated();
        assertThat(api().history(bob, conversation, "").get("messages")).hasSize(4);
    }

    @Test
    void aRequestWhoseClientGoesAwayWhileInFlightGivesItsPermitBack() throws Exception {
        String alice = Api.user("alice");
        UUID conversation = api().direct(alice, Api.user("bob"));

        try (Connection lock = lockConversation(conversation)) {
            CompletableFuture<Integer> held = send(alice, conversation, UUID.randomUUID());
            await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 1);

            held.cancel(true);
            pending.forEach(Disposable::dispose);

            // the client's connection closed: the server cancels the request and its permit is free again,
            // although the database statement is still waiting for the lock
            await().atMost(TIMEOUT).until(() -> admission.admission().inFlight() == 0);
            lock.rollback();
        }
    }

    private double shed(String reason) {
        return meters.get("chat.admission.shed").tag("reason", reason).counter().count();
    }

    /** Holds the conversation's row lock (sends wait for it in their first statement) until rolled back. */
    private Connection lockConversation(UUID conversation) throws SQLException {
        Connection connection = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
        connection.setAutoCommit(false);
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id FROM messaging.conversations WHERE id = ? FOR UPDATE")) {
            select.setObject(1, conversation);
            assertThat(select.executeQuery().next()).isTrue();
        }
        return connection;
    }

    /** A send in the background (its own connection); completes with the status. */
    private CompletableFuture<Integer> send(String sender, UUID conversation, UUID clientMessageId) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        Disposable call = WebClient.create("http://localhost:" + port).post().uri("/api/v1/messages")
                .headers(h -> h.setBearerAuth(TestTokens.token(sender)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body(conversation, clientMessageId))
                .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value()))
                .subscribe(status::complete, status::completeExceptionally);
        pending.add(call);
        return status;
    }

    private WebTestClient.ResponseSpec post(String sender, UUID conversation, UUID clientMessageId) {
        return api().post(sender, "/api/v1/messages", body(conversation, clientMessageId));
    }

    private static Map<String, Object> body(UUID conversation, UUID clientMessageId) {
        return Map.of("conversation_id", conversation, "client_message_id", clientMessageId, "content", "hello");
    }
}
