package dev.chat.message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.ChatInfra;

/**
 * Reads chat.events from now on, for assertions on what the service published (a public twin of
 * outbox's ChatEventsProbe, for tests in other packages).
 */
public final class KafkaEventsProbe implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final List<ChatEvent> events = new ArrayList<>();

    public KafkaEventsProbe() {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ChatInfra.kafka().bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHAT_EVENTS, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve now, so that later records are not skipped
    }

    /** Polls once more and returns the events of this type for the conversation seen so far, in arrival order. */
    public synchronized List<ChatEvent> events(UUID conversationId, String type) {
        consumer.poll(Duration.ofMillis(200))
                .forEach(r -> events.add(ChatJson.mapper().readValue(r.value(), ChatEvent.class)));
        return events.stream()
                .filter(e -> conversationId.equals(e.conversationId()) && type.equals(e.type()))
                .toList();
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
