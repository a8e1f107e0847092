package dev.chat.websocket.presence;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.PresenceSignal;
import dev.chat.shared.event.Topics;
import dev.chat.testsupport.ChatInfra;
import dev.chat.websocket.config.NodeIdentity;
import dev.chat.websocket.support.TopicProbe;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** What the node tells chat.presence: session up/down (key: user), heartbeats and node.down (key: node, every partition). */
class PresenceReportingIT extends WebSocketTestBase {

    @Autowired
    NodeIdentity node;

    @Autowired
    PresenceReporter reporter;

    private TopicProbe presence;

    @BeforeEach
    void probe() {
        presence = new TopicProbe(Topics.CHAT_PRESENCE);
    }

    @AfterEach
    void closeProbe() {
        presence.close();
    }

    @Test
    void sessionUpWhenRegisteredAndDownWhenRemovedKeyedByUser() {
        String alice = user("alice");
        WsClient device = device(alice);
        String sessionId = device.frames().getFirst().path("session_id").asString();

        TopicProbe.Record up = presence.await(r -> alice.equals(r.key()) && is(r, PresenceSignal.SESSION_UP));
        device.close();
        TopicProbe.Record down = presence.await(r -> alice.equals(r.key()) && is(r, PresenceSignal.SESSION_DOWN));

        for (TopicProbe.Record record : List.of(up, down)) {
            JsonNode signal = record.value();
            assertThat(signal.path("user_id").asString()).isEqualTo(alice);
            assertThat(signal.path("session_id").asString()).isEqualTo(sessionId);
            assertThat(signal.path("node_id").asString()).isEqualTo(node.id());
            assertThat(signal.path("version").asInt()).isEqualTo(1);
        }
        assertThat(up.partition()).isEqualTo(down.partition());
    }

    @Test
    void heartbeatsReachEveryPartitionKeyedByNode() {
        device(user("counted"));

        List<TopicProbe.Record> beats = presence.await(
                r -> node.id().equals(r.key()) && is(r, PresenceSignal.NODE_HEARTBEAT), ChatInfra.PARTITIONS);

        assertThat(beats).extracting(TopicProbe.Record::partition).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(beats).allSatisfy(beat -> {
            assertThat(beat.value().path("node_id").asString()).isEqualTo(node.id());
            assertThat(beat.value().path("user_id").isNull()).isTrue();
            assertThat(beat.value().path("sessions").asInt()).isGreaterThanOrEqualTo(1);
        });
    }

    @Test
    void gracefulShutdownSaysNodeDownOnEveryPartition() {
        device(user("staying"));
        try {
            reporter.stop();

            List<TopicProbe.Record> downs = presence.await(
                    r -> node.id().equals(r.key()) && is(r, PresenceSignal.NODE_DOWN), ChatInfra.PARTITIONS);
            assertThat(downs).extracting(TopicProbe.Record::partition).containsExactlyInAnyOrder(0, 1, 2);
        } finally {
            reporter.start();
        }
    }

    private static boolean is(TopicProbe.Record record, String type) {
        return record.value() != null && type.equals(record.value().path("type").asString());
    }
}
