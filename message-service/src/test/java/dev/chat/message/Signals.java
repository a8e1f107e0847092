package dev.chat.message;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.PresenceSignal;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.ChatInfra;

/** Produces what websocket nodes produce (chat.signals, chat.presence) to the shared test broker. */
public final class Signals implements AutoCloseable {

    private final KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ChatInfra.kafka().bootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer());

    public void send(ChatSignal signal) {
        send(Topics.CHAT_SIGNALS, signal.conversationId().toString(), ChatJson.mapper().writeValueAsString(signal));
    }

    public void send(PresenceSignal signal) {
        send(Topics.CHAT_PRESENCE, signal.key(), ChatJson.mapper().writeValueAsString(signal));
    }

    public void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not produce to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
