package dev.chat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.chat.devstack.ChatStack;
import dev.chat.e2e.ChatClient.Response;

/**
 * The core path as a client app sees it: REST send through the gateway, PostgreSQL, the outbox,
 * Kafka, the websocket nodes, a real WebSocket client. All four services run as processes.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorePathE2EIT {

    private static final Duration DELIVERY_BUDGET = Duration.ofSeconds(1);

    ChatStack stack;
    ChatClient api;
    String alice;
    String bob;
    String carol;
    String aliceToken;
    String bobToken;
    String carolToken;
    UUID conversation;

    @BeforeAll
    void setUp(ChatStack stack) {
        this.stack = stack;
        api = new ChatClient(stack.gatewayUrl());
        String run = UUID.randomUUID().toString().substring(0, 8);
        alice = "alice-" + run;
        bob = "bob-" + run;
        carol = "carol-" + run;
        aliceToken = api.devToken(alice);
        bobToken = api.devToken(bob);
        carolToken = api.devToken(carol);
        Response created = api.post(aliceToken, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of(bob)));
        assertThat(created.status()).isEqualTo(201);
        conversation = UUID.fromString(created.body().get("id").asString());
    }

    @Test
    @Order(1)
    void twentyMessagesReachBothOfBobsDevicesInOrderEachWithinASecond() {
        try (WsClient bobPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken));
                WsClient bobTablet = ready(WsClient.connectWithQueryToken(stack.gatewayWebSocketUrl(), bobToken));
                WsClient alicesOtherDevice = ready(WsClient.connect(stack.gatewayWebSocketUrl(), aliceToken))) {
            long firstSeq = lastSeq() + 1;
            List<Long> sentAt = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Response sent = api.post(aliceToken, "/api/v1/messages",
                        Map.of("conversation_id", conversation, "client_message_id", UUID.randomUUID(),
                                "content", "message " + i));
                sentAt.add(System.nanoTime());
                assertThat(sent.status()).isEqualTo(201);
                assertThat(sent.body().get("seq").asLong()).isEqualTo(firstSeq + i);
            }
            List<Long> expected = LongStream.range(firstSeq, firstSeq + 20).boxed().toList();
            for (WsClient device : List.of(bobPhone, bobTablet, alicesOtherDevice)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> device.seqs(conversation).size() >= 20);
                assertThat(device.seqs(conversation)).containsExactlyElementsOf(expected);
            }
            for (WsClient device : List.of(bobPhone, bobTablet)) {
                List<WsClient.Frame> frames = device.created(conversation);
                for (int i = 0; i < 20; i++) {
                    Duration latency = Duration.ofNanos(frames.get(i).receivedNanos() - sentAt.get(i));
                    assertThat(latency).as("delivery of message %d", i).isLessThan(DELIVERY_BUDGET);
                }
                WsClient.Frame first = frames.getFirst();
                assertThat(first.json().get("message").get("sender_id").asString()).isEqualTo(alice);
                assertThat(first.json().get("message").get("sender_name").asString()).isEqualTo("User " + alice);
            }
        }
    }

    @Test
    @Order(2)
    void retriesAndConcurrentRetriesYieldExactlyOneMessage() throws Exception {
        // bob sends here (alice used her burst allowance in the previous test); alice watches
        try (WsClient alicePhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), aliceToken))) {
            UUID clientId = UUID.randomUUID();
            Map<String, Object> body = Map.of("conversation_id", conversation, "client_message_id", clientId,
                    "content", "sent once, retried");
            Response first = api.post(bobToken, "/api/v1/messages", body);
            assertThat(first.status()).isEqualTo(201);
            Response retry = api.post(bobToken, "/api/v1/messages", body);
            assertThat(retry.status()).isEqualTo(200);
            assertThat(retry.body().get("id")).isEqualTo(first.body().get("id"));

            UUID concurrentId = UUID.randomUUID();
            Map<String, Object> concurrentBody = Map.of("conversation_id", conversation,
                    "client_message_id", concurrentId, "content", "five at once");
            List<Response> responses = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(5)) {
                List<Future<Response>> futures = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    futures.add(pool.submit(() -> api.post(bobToken, "/api/v1/messages", concurrentBody)));
                }
                for (Future<Response> f : futures) {
                    responses.add(f.get());
                }
            }
            assertThat(responses).extracting(Response::status).containsOnly(200, 201);
            assertThat(responses).filteredOn(r -> r.status() == 201).hasSize(1);
            assertThat(responses.stream().map(r -> r.body().get("id").asString()).distinct()).hasSize(1);

            // a marker sent afterwards arrives after everything before it: then count
            long marker = api.post(bobToken, "/api/v1/messages",
                    Map.of("conversation_id", conversation, "content", "marker")).body().get("seq").asLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> alicePhone.seqs(conversation).contains(marker));
            List<String> contents = alicePhone.created(conversation).stream()
                    .map(f -> f.json().get("message").get("content").asString()).toList();
            assertThat(contents).containsOnlyOnce("sent once, retried", "five at once");
            assertThat(alicePhone.seqs(conversation)).doesNotHaveDuplicates().isSorted();

            Response history = api.get(aliceToken, "/api/v1/conversations/" + conversation + "/messages?limit=200");
            List<String> stored = new ArrayList<>();
            history.body().get("messages").forEach(m -> stored.add(m.get("content").asString()));
            assertThat(stored).containsOnlyOnce("sent once, retried", "five at once");
        }
    }

    @Test
    @Order(3)
    void anOutsiderGetsNotFoundAndReceivesNothing() {
        try (WsClient carolPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), carolToken));
                WsClient bobPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            Response send = api.post(carolToken, "/api/v1/messages",
                    Map.of("conversation_id", conversation, "content", "let me in"));
            assertThat(send.status()).isEqualTo(404);
            assertThat(send.body().get("code").asString()).isEqualTo("not_a_participant");
            assertThat(send.header("Content-Type")).startsWith("application/problem+json");
            Response history = api.get(carolToken, "/api/v1/conversations/" + conversation + "/messages");
            assertThat(history.status()).isEqualTo(404);
            // an identity header from the client changes nothing
            Response spoofed = api.call("GET", "/api/v1/conversations/" + conversation + "/messages", carolToken, null,
                    Map.of("X-User-Id", alice));
            assertThat(spoofed.status()).isEqualTo(404);

            long seq = api.post(aliceToken, "/api/v1/messages",
                    Map.of("conversation_id", conversation, "content", "not for carol")).body().get("seq").asLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> bobPhone.seqs(conversation).contains(seq));
            assertThat(carolPhone.hasFrame("message.created")).isFalse();
            assertThat(carolPhone.frames()).extracting(WsClient.Frame::type).containsExactly("session.ready");
        }
    }

    @Test
    @Order(4)
    void invalidTokensAreRefusedAtRestAndAtTheWebSocketUpgrade() {
        String wrongSignature = ChatClient.signedToken(alice, "a-different-secret-of-at-least-32-bytes!!", Duration.ofHours(1));
        String expired = ChatClient.signedToken(alice, stack.jwtSecret(), Duration.ofMinutes(-10));
        String path = "/api/v1/conversations/" + conversation + "/messages";

        for (String token : new String[] { null, wrongSignature, expired, "not-a-jwt" }) {
            Response rest = api.get(token, path);
            assertThat(rest.status()).as("REST with token %s", token).isEqualTo(401);
            assertThat(rest.body().get("code").asString()).isEqualTo("unauthorized");
            assertThat(upgradeStatus(token)).as("WebSocket upgrade with token %s", token).isEqualTo(401);
        }
        // and the good token works on both
        assertThat(api.get(aliceToken, path).status()).isEqualTo(200);
        try (WsClient ok = ready(WsClient.connect(stack.gatewayWebSocketUrl(), aliceToken))) {
            assertThat(ok.frames().getFirst().json().get("user_id").asString()).isEqualTo(alice);
        }
    }

    @Test
    @Order(5)
    void pingIsAnsweredWithPong() {
        try (WsClient phone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            phone.send("{\"type\":\"ping\",\"ref\":\"r-42\"}");
            await().atMost(Duration.ofSeconds(5)).until(() -> phone.hasFrame("pong"));
            assertThat(phone.frames().stream().filter(f -> f.type().equals("pong")).findFirst().orElseThrow()
                    .json().get("ref").asString()).isEqualTo("r-42");
        }
    }

    /** Last: stops and restarts the broker process. */
    @Test
    @Order(100)
    void sendsDuringABrokerOutageAreAcceptedAndDeliveredInOrderWhenItReturns() {
        try (WsClient bobPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            long firstSeq = lastSeq() + 1;
            stack.stopKafka();
            try {
                for (int i = 0; i < 5; i++) {
                    Response sent = api.post(aliceToken, "/api/v1/messages",
                            Map.of("conversation_id", conversation, "content", "during the outage " + i));
                    assertThat(sent.status()).isEqualTo(201);
                    assertThat(sent.body().get("seq").asLong()).isEqualTo(firstSeq + i);
                }
                // keep the broker down until the relay has given up at least once: then the
                // sweeper, not the producer's own buffering, is what delivers these messages
                double failures = outboxFailures();
                await().atMost(Duration.ofSeconds(60)).until(() -> outboxFailures() > failures);
                assertThat(bobPhone.seqs(conversation)).doesNotContain(firstSeq);
            } finally {
                stack.startKafka();
            }
            List<Long> expected = LongStream.range(firstSeq, firstSeq + 5).boxed().toList();
            await().atMost(Duration.ofSeconds(90)).until(() -> bobPhone.seqs(conversation).size() >= 5);
            assertThat(bobPhone.seqs(conversation)).containsExactlyElementsOf(expected);
        }
        // an outage is transient: retried until it ends, nothing set aside
        Response outbox = new ChatClient(stack.serviceUrl("message-service")).get(null, "/actuator/health/outbox");
        assertThat(outbox.status()).isEqualTo(200);
        assertThat(outbox.body().get("components").get("outboxRelay").get("details").get("dead_letters").asLong()).isZero();
    }

    /** message-service's count of failed relay runs (from its own metrics endpoint, which needs a token). */
    private double outboxFailures() {
        ChatClient messageService = new ChatClient(stack.serviceUrl("message-service"));
        Response metric = messageService.get(aliceToken, "/actuator/metrics/chat.outbox.failures");
        assertThat(metric.status()).isEqualTo(200);
        return metric.body().get("measurements").get(0).get("value").asDouble();
    }

    private long lastSeq() {
        return api.get(aliceToken, "/api/v1/conversations/" + conversation).body().get("last_seq").asLong();
    }

    private static WsClient ready(WsClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() -> client.hasFrame("session.ready"));
        return client;
    }

    private int upgradeStatus(String token) {
        var builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            builder.buildAsync(stack.gatewayWebSocketUrl(), new java.net.http.WebSocket.Listener() {
            }).join().abort();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
    }
}
