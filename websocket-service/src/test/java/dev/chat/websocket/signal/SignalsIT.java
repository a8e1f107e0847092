package dev.chat.websocket.signal;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.Topics;
import dev.chat.websocket.support.TopicProbe;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** ack, read and typing reach chat.signals (key: conversation id) as ChatSignals of the session's user. */
class SignalsIT extends WebSocketTestBase {

    @Autowired
    MeterRegistry meters;

    private TopicProbe signals;

    @BeforeEach
    void probe() {
        signals = new TopicProbe(Topics.CHAT_SIGNALS);
    }

    @AfterEach
    void closeProbe() {
        signals.close();
    }

    @Test
    void ackReadAndTypingArePublishedKeyedByConversation() {
        String alice = user("alice");
        WsClient device = device(alice);
        JsonNode ready = device.frames().getFirst();
        UUID conversation = UUID.randomUUID();
        double publishedBefore = published();

        device.send("{\"type\":\"ack\",\"conversation_id\":\"" + conversation + "\",\"seq\":41}");
        device.send("{\"type\":\"read\",\"conversation_id\":\"" + conversation + "\",\"seq\":40}");
        device.send("{\"type\":\"typing\",\"conversation_id\":\"" + conversation + "\",\"typing\":true}");

        List<TopicProbe.Record> records = signals.await(r -> conversation.toString().equals(r.key()), 3);
        assertThat(records).extracting(r -> r.value().path("type").asString()).containsExactly("ack", "read", "typing");
        assertThat(records).allSatisfy(record -> {
            JsonNode signal = record.value();
            assertThat(signal.path("conversation_id").asString()).isEqualTo(conversation.toString());
            assertThat(signal.path("user_id").asString()).isEqualTo(alice);
            assertThat(signal.path("session_id").asString()).isEqualTo(ready.path("session_id").asString());
            assertThat(signal.path("node_id").asString()).isEqualTo(ready.path("node_id").asString()).startsWith("ws-");
            assertThat(signal.path("version").asInt()).isEqualTo(1);
            assertThat(signal.path("signal_id").asString()).isNotBlank();
            assertThat(signal.path("occurred_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*\\.\\d{3}Z");
        });
        assertThat(records.get(0).value().path("seq").asLong()).isEqualTo(41);
        assertThat(records.get(1).value().path("seq").asLong()).isEqualTo(40);
        assertThat(records.get(2).value().path("typing").asBoolean()).isTrue();
        assertThat(records.get(2).value().path("seq").isNull()).isTrue();
        // one conversation, one partition: the three are in the order they were said
        assertThat(records).extracting(TopicProbe.Record::partition).containsOnly(records.getFirst().partition());
        await().atMost(WsClient.TIMEOUT).until(() -> published() >= publishedBefore + 3);
    }

    @Test
    void invalidSignalsAreNotPublished() {
        WsClient device = device(user("bob"));
        UUID conversation = UUID.randomUUID();

        device.send("{\"type\":\"ack\",\"conversation_id\":\"" + conversation + "\",\"seq\":\"7\"}");
        device.send("{\"type\":\"ack\",\"conversation_id\":\"" + conversation + "\",\"seq\":8}");

        List<TopicProbe.Record> records = signals.await(r -> conversation.toString().equals(r.key()), 1);
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().value().path("seq").asLong()).isEqualTo(8);
        assertThat(device.frames("error")).singleElement()
                .satisfies(e -> assertThat(e.path("code").asString()).isEqualTo("invalid_frame"));
    }

    private double published() {
        return meters.get("chat.ws.signals").tag("topic", Topics.CHAT_SIGNALS).tag("outcome", "published")
                .counter().count();
    }
}
