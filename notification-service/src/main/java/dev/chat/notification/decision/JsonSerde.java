package dev.chat.notification.decision;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import dev.chat.shared.json.ChatJson;

/** State store values as JSON with the shared settings (readable in the changelog topics). */
final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;

    JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : ChatJson.mapper().writeValueAsBytes(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : ChatJson.mapper().readValue(bytes, type);
    }
}
