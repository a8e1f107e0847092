package dev.chat.message.receipt;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class ReceiptsIT {

    private static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    Api api;
    ChatEventsProbe probe;

    @BeforeEach
    void setUp() {
        api = new Api(client);
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void tearDown() {
        probe.close();
    }

    @Test
    void watermarksOnlyMoveForwardReadImpliesDeliveredAndUnreadFollowsRead() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        for (int i = 1; i <= 5; i++) {
            api.send(alice, conversation, "m" + i);
        }
        assertWatermarks(bob, conversation, 0, 0, 5);

        receipt(bob, conversation, Map.of("read_seq", 2)).expectStatus().isNoContent().expectBody().isEmpty();
        assertWatermarks(bob, conversation, 2, 2, 3);

        receipt(bob, conversation, Map.of("delivered_seq", 4)).expectStatus().isNoContent();
        assertWatermarks(bob, conversation, 4, 2, 3);

        // lower values than stored change nothing, and are no error (receipts are cumulative)
        receipt(bob, conversation, Map.of("read_seq", 1)).expectStatus().isNoContent();
        receipt(bob, conversation, Map.of("delivered_seq", 0)).expectStatus().isNoContent();
        assertWatermarks(bob, conversation, 4, 2, 3);

        receipt(bob, conversation, Map.of("delivered_seq", 3, "read_seq", 3)).expectStatus().isNoContent();
        assertWatermarks(bob, conversation, 4, 3, 2);

        // beyond the last message: clamped to it, so a message sent later is still unread
        receipt(bob, conversation, Map.of("read_seq", 1000)).expectStatus().isNoContent();
        assertWatermarks(bob, conversation, 5, 5, 0);
        api.send(alice, conversation, "m6");
        assertWatermarks(bob, conversation, 5, 5, 1);

        // the sender's own messages are never unread for them, whatever their watermarks
        assertWatermarks(alice, conversation, 0, 0, 0);
    }

    @Test
    void badReceiptsAreRejectedWithStableCodesAndChangeNothing() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        api.send(alice, conversation, "m1");
        api.send(alice, conversation, "m2");
        receipt(bob, conversation, Map.of("read_seq", 1)).expectStatus().isNoContent();

        expectProblem(receipt(bob, conversation, Map.of()), 400, "invalid_parameter");
        expectProblem(receipt(bob, conversation, Map.of("delivered_seq", -1)), 400, "invalid_parameter");
        expectProblem(receipt(bob, conversation, Map.of("delivered_seq", 2, "read_seq", -5)), 400, "invalid_parameter");
        expectProblem(receipt(bob, conversation, Map.of("read_seq", "two")), 400, "malformed_request");
        expectProblem(receipt(bob, conversation, "{\"read_seq\": "), 400, "malformed_request");
        expectProblem(api.post(bob, "/api/v1/conversations/not-a-uuid/receipts", Map.of("read_seq", 2)), 400,
                "malformed_request");
        expectProblem(receipt(Api.user("mallory"), conversation, Map.of("read_seq", 2)), 404, "not_a_participant");
        expectProblem(receipt(bob, UUID.randomUUID(), Map.of("read_seq", 2)), 404, "not_a_participant");
        // an outsider gets 404 also when nothing would move
        expectProblem(receipt(Api.user("mallory"), conversation, Map.of("read_seq", 0)), 404, "not_a_participant");

        assertWatermarks(bob, conversation, 1, 1, 1);
    }

    @Test
    void receiptsOfAMessageGiveEveryOtherParticipantsStatus() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        String dave = Api.user("dave");
        UUID conversation = api.group(alice, bob, carol, dave);
        api.send(alice, conversation, "m1");
        JsonNode m2 = api.send(alice, conversation, "m2");
        JsonNode m3 = api.send(alice, conversation, "m3");
        Instant before = Instant.now().minusSeconds(1);
        receipt(bob, conversation, Map.of("read_seq", 2)).expectStatus().isNoContent();
        receipt(carol, conversation, Map.of("delivered_seq", 3)).expectStatus().isNoContent();

        List<JsonNode> forAlice = receipts(alice, m2.get("id").asString());
        assertThat(forAlice).extracting(r -> r.get("user_id").asString()).containsExactlyInAnyOrder(bob, carol, dave);
        assertThat(forAlice).allSatisfy(r -> assertThat(r.propertyNames()).containsExactlyInAnyOrder("user_id", "status", "at"));
        Map<String, JsonNode> byUser = byUser(forAlice);
        assertThat(byUser.get(bob).get("status").asString()).isEqualTo("read");
        assertThat(byUser.get(bob).get("at").asString()).matches(TIMESTAMP);
        assertThat(Instant.parse(byUser.get(bob).get("at").asString())).isAfter(before);
        assertThat(byUser.get(carol).get("status").asString()).isEqualTo("delivered");
        assertThat(byUser.get(carol).get("at").asString()).matches(TIMESTAMP);
        assertThat(byUser.get(dave).get("status").asString()).isEqualTo("sent");
        assertThat(byUser.get(dave).get("at").isNull()).isTrue();

        // bob read (and so received) up to 2: m3 is only sent as far as he is concerned
        Map<String, JsonNode> third = byUser(receipts(alice, m3.get("id").asString()));
        assertThat(third.get(bob).get("status").asString()).isEqualTo("sent");
        assertThat(third.get(carol).get("status").asString()).isEqualTo("delivered");

        // another participant asks: everyone but them, the sender having read their own message
        Map<String, JsonNode> forBob = byUser(receipts(bob, m2.get("id").asString()));
        assertThat(forBob.keySet()).containsExactlyInAnyOrder(alice, carol, dave);
        assertThat(forBob.get(alice).get("status").asString()).isEqualTo("read");
        assertThat(forBob.get(alice).get("at")).isEqualTo(m2.get("created_at"));

        expectProblem(api.get(Api.user("mallory"), "/api/v1/messages/" + m2.get("id").asString() + "/receipts"), 404,
                "message_not_found");
        expectProblem(api.get(alice, "/api/v1/messages/" + UUID.randomUUID() + "/receipts"), 404, "message_not_found");
        expectProblem(api.get(alice, "/api/v1/messages/nope/receipts"), 400, "malformed_request");
    }

    @Test
    void quickReadsAreCoalescedIntoAtMostTwoReceiptUpdatedEvents() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        for (int i = 1; i <= 10; i++) {
            api.send(alice, conversation, "m" + i);
        }

        List<Integer> statuses = Flux.range(1, 10)
                .flatMap(seq -> webClient(bob).post().uri("/api/v1/conversations/" + conversation + "/receipts")
                        .bodyValue(Map.of("read_seq", seq))
                        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value())), 10)
                .collectList().block(Duration.ofSeconds(20));
        assertThat(statuses).hasSize(10).containsOnly(204);

        await().atMost(Duration.ofSeconds(20)).until(() -> receiptEvents(conversation, bob).stream()
                .anyMatch(e -> e.frame().get("read_seq").asLong() == 10));
        // and nothing more follows within the next window
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> receiptEvents(conversation, bob).size() <= 2);

        List<ChatEvent> events = receiptEvents(conversation, bob);
        ChatEvent last = events.getLast();
        assertThat(last.frame().get("delivered_seq").asLong()).isEqualTo(10);
        assertThat(last.frame().get("read_seq").asLong()).isEqualTo(10);
        assertThat(last.frame().propertyNames())
                .containsExactlyInAnyOrder("type", "conversation_id", "user_id", "delivered_seq", "read_seq");
        assertThat(last.frame().get("type").asString()).isEqualTo("receipt.updated");
        assertThat(last.frame().get("conversation_id").asString()).isEqualTo(conversation.toString());
        assertThat(last.seq()).isNull();
        // the other participant, and the reader's own other devices
        assertThat(last.recipients()).containsExactlyInAnyOrder(new Recipient(alice, false), new Recipient(bob, false));
    }

    @Test
    void aReceiptThatMovesNothingPublishesNothing() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        api.send(alice, conversation, "m1");
        receipt(bob, conversation, Map.of("read_seq", 1)).expectStatus().isNoContent();
        double changes = meters.counter("chat.receipts.changes").count();

        receipt(bob, conversation, Map.of("read_seq", 1, "delivered_seq", 1)).expectStatus().isNoContent();
        receipt(bob, conversation, Map.of("read_seq", 5)).expectStatus().isNoContent(); // clamped to 1: no move

        assertThat(meters.counter("chat.receipts.changes").count()).isEqualTo(changes);
        await().atMost(Duration.ofSeconds(20)).until(() -> receiptEvents(conversation, bob).size() == 1);
    }

    private List<ChatEvent> receiptEvents(UUID conversation, String user) {
        return probe.events(conversation, EventTypes.RECEIPT_UPDATED).stream()
                .filter(e -> user.equals(e.frame().get("user_id").asString()))
                .toList();
    }

    private void assertWatermarks(String user, UUID conversation, long delivered, long read, long unread) {
        JsonNode view = api.get(user, "/api/v1/conversations/" + conversation).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(view.get("my_delivered_seq").asLong()).as("my_delivered_seq").isEqualTo(delivered);
        assertThat(view.get("my_read_seq").asLong()).as("my_read_seq").isEqualTo(read);
        assertThat(view.get("unread_count").asLong()).as("unread_count").isEqualTo(unread);
    }

    private WebTestClient.ResponseSpec receipt(String user, UUID conversation, Object body) {
        return api.post(user, "/api/v1/conversations/" + conversation + "/receipts", body);
    }

    private List<JsonNode> receipts(String user, String messageId) {
        JsonNode body = api.get(user, "/api/v1/messages/" + messageId + "/receipts").expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(body.isArray()).isTrue();
        return StreamSupport.stream(body.spliterator(), false).toList();
    }

    private static Map<String, JsonNode> byUser(List<JsonNode> receipts) {
        return receipts.stream().collect(Collectors.toMap(r -> r.get("user_id").asString(), Function.identity()));
    }

    private WebClient webClient(String user) {
        return WebClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeaders(h -> {
                    h.setBearerAuth(TestTokens.token(user));
                    h.setContentType(MediaType.APPLICATION_JSON);
                })
                .build();
    }
}
