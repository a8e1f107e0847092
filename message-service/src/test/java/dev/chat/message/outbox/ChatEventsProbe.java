package dev.chat.message.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;

/** Reads chat.events (or another chat topic) from now on (or from the start), for assertions on what was published. */
public final class ChatEventsProbe implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> records = new ArrayList<>();

    public ChatEventsProbe(String bootstrapServers, boolean fromBeginning) {
        this(bootstrapServers, Topics.CHAT_EVENTS, fromBeginning);
    }

    public ChatEventsProbe(String bootstrapServers, String topic, boolean fromBeginning) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        partitions.forEach(consumer::position); // resolve now, so that later records are not skipped
    }

    int partitionCount() {
        return consumer.assignment().size();
    }

    /** Polls once more and returns every record of the conversation seen so far, in arrival order. */
    public synchronized List<ConsumerRecord<String, String>> recordsOf(UUID conversationId) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return records.stream().filter(r -> conversationId.toString().equals(r.key())).toList();
    }

    /** The events of the conversation seen so far, in arrival order, without polling (see {@link #poll}). */
    public synchronized List<ChatEvent> seen(UUID conversationId) {
        return records.stream().filter(r -> conversationId.toString().equals(r.key()))
                .map(r -> ChatJson.mapper().readValue(r.value(), ChatEvent.class))
                .toList();
    }

    /** Polls once more and returns the values of every record with this key seen so far, in arrival order. */
    public synchronized List<String> valuesOf(String key) {
        poll();
        return records.stream().filter(r -> key.equals(r.key())).map(ConsumerRecord::value).toList();
    }

    /** Polls once for new records. */
    public synchronized void poll() {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }

    public List<ChatEvent> eventsOf(UUID conversationId) {
        return recordsOf(conversationId).stream()
                .map(r -> ChatJson.mapper().readValue(r.value(), ChatEvent.class))
                .toList();
    }

    /** Polls once more and returns the events of this type for the conversation seen so far, in arrival order. */
    public List<ChatEvent> events(UUID conversationId, String type) {
        return eventsOf(conversationId).stream().filter(e -> type.equals(e.type())).toList();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
