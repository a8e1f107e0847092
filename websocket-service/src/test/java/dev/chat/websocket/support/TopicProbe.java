package dev.chat.websocket.support;


import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.awaitility.Awaitility;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.ChatInfra;

/** Reads one topic of the shared test broker from the moment it is made, for assertions on what the node wrote. */
public final class TopicProbe implements AutoCloseable {

    /** One record: its partition, key and value (parsed). */
    public record Record(int partition, String key, JsonNode value) {
    }

    private final KafkaConsumer<String, String> consumer;
    private final List<Record> records = new ArrayList<>();

    public TopicProbe(String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ChatInfra.kafka().bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve now, so that later records are not skipped
    }

    /** Polls once more and returns every record seen so far, in arrival order (per partition). */
    public synchronized List<Record> records() {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
            records.add(new Record(record.partition(), record.key(),
                    record.value() == null ? null : ChatJson.mapper().readTree(record.value())));
        }
        return List.copyOf(records);
    }

    /** Waits until {@code count} records match, and returns those. */
    public List<Record> await(Predicate<Record> match, int count) {
        return Awaitility.await().atMost(WsClient.TIMEOUT)
                .until(() -> records().stream().filter(match).toList(), found -> found.size() >= count);
    }

    /** Waits for the first record that matches. */
    public Record await(Predicate<Record> match) {
        return await(match, 1).getFirst();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
