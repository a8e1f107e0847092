package dev.chat.message.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.ChatInfra;

/** Above {@code max-fanout-members} (2 here), receipt.updated goes to the reader's own devices only. */
@MessageServiceIT
@TestPropertySource(properties = "chat.receipts.max-fanout-members=2")
class ReceiptsLargeGroupIT {

    @Autowired
    WebTestClient client;

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
    void inALargeGroupOnlyTheReaderGetsTheirReceipts() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID group = api.group(alice, bob, Api.user("carol"));
        api.send(alice, group, "hello all");

        api.post(bob, "/api/v1/conversations/" + group + "/receipts", Map.of("read_seq", 1))
                .expectStatus().isNoContent();

        ChatEvent event = awaitReceipt(group);
        assertThat(event.recipients()).containsExactly(new Recipient(bob, false));
        assertThat(event.frame().get("user_id").asString()).isEqualTo(bob);
        assertThat(event.frame().get("read_seq").asLong()).isEqualTo(1);
        assertThat(event.frame().get("delivered_seq").asLong()).isEqualTo(1);
    }

    @Test
    void atTheLimitEveryParticipantGetsThem() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID direct = api.direct(alice, bob);
        api.send(alice, direct, "hi");

        api.post(bob, "/api/v1/conversations/" + direct + "/receipts", Map.of("delivered_seq", 1))
                .expectStatus().isNoContent();

        ChatEvent event = awaitReceipt(direct);
        assertThat(event.recipients()).containsExactlyInAnyOrder(new Recipient(alice, false), new Recipient(bob, false));
        assertThat(event.frame().get("delivered_seq").asLong()).isEqualTo(1);
        assertThat(event.frame().get("read_seq").asLong()).isZero();
    }

    private ChatEvent awaitReceipt(UUID conversation) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !probe.events(conversation, EventTypes.RECEIPT_UPDATED).isEmpty());
        List<ChatEvent> events = probe.events(conversation, EventTypes.RECEIPT_UPDATED);
        assertThat(events).hasSize(1);
        return events.getFirst();
    }
}
