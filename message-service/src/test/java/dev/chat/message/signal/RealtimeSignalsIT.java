package dev.chat.message.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.Signals;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;
import tools.jackson.databind.JsonNode;

/**
 * What websocket nodes put on chat.signals: {@code ack} and {@code read} raise watermarks through the
 * REST receipts' path (so both agree), {@code typing} becomes {@code typing.updated} for the other
 * participants and expires. A short typing timeout here (1 s).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.signals.typing-timeout=1s", "chat.receipts.coalesce-window=200ms" })
@AutoConfigureWebTestClient(timeout = "30s")
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class })
class RealtimeSignalsIT {

    @Autowired
    WebTestClient client;

    Api api;
    Signals signals;
    ChatEventsProbe probe;

    @BeforeEach
    void setUp() {
        api = new Api(client);
        signals = new Signals();
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void tearDown() {
        signals.close();
        probe.close();
    }

    @Test
    void acksAndReadsRaiseTheWatermarksAsRestReceiptsDoAndTheSenderHearsOfThem() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        for (int i = 1; i <= 3; i++) {
            api.send(alice, conversation, "message " + i);
        }

        signals.send(ChatSignal.ack(conversation, bob, "phone", "ws-1", 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> mine(bob, conversation).get("my_delivered_seq").asLong() == 2);
        assertThat(mine(bob, conversation).get("my_read_seq").asLong()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> receiptEvents(conversation).stream()
                .anyMatch(e -> e.frame().get("delivered_seq").asLong() == 2));
        ChatEvent tick = receiptEvents(conversation).getFirst();
        assertThat(tick.frame().get("user_id").asString()).isEqualTo(bob);
        assertThat(tick.recipients()).extracting(Recipient::userId).contains(alice, bob);

        // a read over the WebSocket and one over REST move the same watermarks; they never go back
        signals.send(ChatSignal.read(conversation, bob, "tablet", "ws-2", 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> mine(bob, conversation).get("my_read_seq").asLong() == 3);
        api.post(bob, "/api/v1/conversations/" + conversation + "/receipts", Map.of("read_seq", 1))
                .expectStatus().isNoContent();
        signals.send(ChatSignal.ack(conversation, bob, "phone", "ws-1", 1));
        JsonNode after = mine(bob, conversation);
        assertThat(after.get("my_read_seq").asLong()).isEqualTo(3);
        assertThat(after.get("my_delivered_seq").asLong()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiptEvents(conversation).stream()
                .anyMatch(e -> e.frame().get("read_seq").asLong() == 3));
        JsonNode receipts = api.get(alice, "/api/v1/messages/" + messageAt(alice, conversation, 3) + "/receipts")
                .expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(receipts.get(0).get("status").asString()).isEqualTo("read");
    }

    @Test
    void anOutsidersAckChangesNothing() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String mallory = Api.user("mallory");
        UUID conversation = api.direct(alice, bob);
        api.send(alice, conversation, "private");
        signals.send(ChatSignal.read(conversation, mallory, "x", "ws-1", 1));
        // then a member's ack in the same partition: once it is applied, mallory's (earlier) signal was too
        signals.send(ChatSignal.ack(conversation, bob, "phone", "ws-1", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> mine(bob, conversation).get("my_delivered_seq").asLong() == 1);
        assertThat(receiptEvents(conversation)).allMatch(e -> e.frame().get("user_id").asString().equals(bob));
        api.get(mallory, "/api/v1/conversations/" + conversation).expectStatus().isNotFound();
    }

    @Test
    void typingReachesTheOtherParticipantsOnlyAndExpires() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        UUID group = api.group(alice, bob, carol);

        signals.send(ChatSignal.typing(group, alice, "phone", "ws-1", true));
        await().atMost(Duration.ofSeconds(10)).until(() -> typingEvents(group).size() == 1);
        ChatEvent started = typingEvents(group).getFirst();
        assertThat(started.frame().get("typing").asBoolean()).isTrue();
        assertThat(started.frame().get("user_id").asString()).isEqualTo(alice);
        assertThat(started.recipients()).extracting(Recipient::userId).containsExactlyInAnyOrder(bob, carol);
        assertThat(started.seq()).isNull();

        // not renewed: it ends by itself (typing-timeout 1 s here), announced as typing false
        await().atMost(Duration.ofSeconds(10)).until(() -> typingEvents(group).size() == 2);
        assertThat(typingEvents(group).get(1).frame().get("typing").asBoolean()).isFalse();

        // start, renew (nothing new announced), stop: exactly one start and one stop
        signals.send(ChatSignal.typing(group, bob, "phone", "ws-1", true));
        signals.send(ChatSignal.typing(group, bob, "phone", "ws-1", true));
        signals.send(ChatSignal.typing(group, bob, "phone", "ws-1", false));
        await().atMost(Duration.ofSeconds(10)).until(() -> typingEvents(group).size() == 4);
        assertThat(typingEvents(group).subList(2, 4)).extracting(e -> e.frame().get("typing").asBoolean())
                .containsExactly(true, false);
        // typing is never stored: the conversation has no message
        assertThat(api.history(alice, group, "").get("messages")).isEmpty();
    }

    @Test
    void typingIsNotBroadcastInLargeGroupsNorForOutsiders() {
        String owner = Api.user("owner");
        List<String> members = IntStream.range(0, 101).mapToObj(i -> Api.user("m" + i)).toList();
        UUID large = api.group(owner, members.toArray(String[]::new));
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID small = api.group(alice, bob);
        api.send(owner, large, "hello");

        signals.send(ChatSignal.typing(large, owner, "phone", "ws-1", true));
        signals.send(ChatSignal.typing(small, Api.user("mallory"), "phone", "ws-1", true));
        // markers after them, through the same partitions and the same producer: an ack (its receipt.updated
        // is published after anything the typing signal before it would have published) and a member's typing
        signals.send(ChatSignal.ack(large, members.getFirst(), "phone", "ws-1", 1));
        signals.send(ChatSignal.typing(small, alice, "phone", "ws-1", true));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiptEvents(large).size() == 1
                && typingEvents(small).size() == 1);
        assertThat(typingEvents(large)).isEmpty();
        assertThat(typingEvents(small).getFirst().frame().get("user_id").asString()).isEqualTo(alice);
    }

    private List<ChatEvent> receiptEvents(UUID conversation) {
        return probe.events(conversation, "receipt.updated");
    }

    private List<ChatEvent> typingEvents(UUID conversation) {
        return probe.events(conversation, "typing.updated");
    }

    private JsonNode mine(String user, UUID conversation) {
        return api.get(user, "/api/v1/conversations/" + conversation).expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private String messageAt(String user, UUID conversation, long seq) {
        JsonNode page = api.history(user, conversation, "?after_seq=" + (seq - 1) + "&limit=1");
        return page.get("messages").get(0).get("id").asString();
    }
}
