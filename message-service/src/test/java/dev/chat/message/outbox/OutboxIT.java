package dev.chat.message.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.ChatInfra;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class OutboxIT {

    @Autowired
    WebTestClient client;

    @Autowired
    DatabaseClient db;

    ChatEventsProbe probe;

    @BeforeEach
    void listen() {
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void stop() {
        probe.close();
    }

    @Test
    void everySendIsPublishedOnceInSeqOrderKeyedByConversationWithItsRecipients() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = api.direct(alice, bob);
        List<JsonNode> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(api.send(i % 3 == 0 ? bob : alice, conversation, "message " + i));
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> probe.eventsOf(conversation).size() >= 20);
        List<ConsumerRecord<String, String>> records = probe.recordsOf(conversation);
        assertThat(records).hasSize(20);
        assertThat(records.stream().map(ConsumerRecord::partition).distinct()).hasSize(1);

        List<ChatEvent> events = probe.eventsOf(conversation);
        assertThat(events).extracting(ChatEvent::seq).containsExactlyElementsOf(
                LongStream.rangeClosed(1, 20).boxed().toList());
        assertThat(events).extracting(ChatEvent::eventId).doesNotHaveDuplicates();
        ChatEvent first = events.getFirst(); // sent by bob
        assertThat(first.type()).isEqualTo("message.created");
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.conversationId()).isEqualTo(conversation);
        assertThat(first.recipients()).containsExactlyInAnyOrder(new Recipient(alice, true), new Recipient(bob, false));
        assertThat(first.frame().get("type").asString()).isEqualTo("message.created");
        assertThat(first.frame().get("message")).isEqualTo(sent.getFirst());

        await().atMost(Duration.ofSeconds(10)).until(() -> db
                .sql("SELECT count(*) FROM outbox WHERE event_key = :key").bind("key", conversation.toString())
                .map(row -> row.get(0, Long.class)).one().block() == 0);
    }

    @Test
    void chatEventsTopicHasTheConfiguredPartitions() {
        assertThat(probe.partitionCount()).isEqualTo(3);
    }
}
