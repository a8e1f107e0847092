package dev.chat.websocket.support;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import tools.jackson.databind.node.ObjectNode;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.ChatInfra;

/** Produces chat.events records (and presence updates, revocations) to the shared test broker, as message-service or an operator would. */
public final class ChatEvents implements AutoCloseable {

    private final KafkaProducer<String, String> producer;

    public ChatEvents() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ChatInfra.kafka().bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Sends an event (key = conversation id) and waits until the broker has it. */
    public void send(ChatEvent event) {
        sendRaw(event.conversationId().toString(), ChatJson.mapper().writeValueAsString(event));
    }

    /** Sends any value, valid or not, under a key. */
    public void sendRaw(String key, String value) {
        sendRaw(Topics.CHAT_EVENTS, key, value);
    }

    /** Sends a value (as JSON; null: a tombstone) to any topic and waits until the broker has it. */
    public void publish(String topic, String key, Object value) {
        sendRaw(topic, key, value == null ? null : ChatJson.mapper().writeValueAsString(value));
    }

    private void sendRaw(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Could not produce to " + topic, e);
        }
    }

    /** Sends without waiting for each acknowledgement (bulk), then flushes. */
    public void sendAll(List<ChatEvent> events) {
        events.forEach(event -> producer.send(new ProducerRecord<>(Topics.CHAT_EVENTS,
                event.conversationId().toString(), ChatJson.mapper().writeValueAsString(event))));
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }

    /** A message.created event from {@code sender}, with a content of its own. */
    public static ChatEvent messageWithContent(UUID conversation, long seq, String sender, String content,
            String... recipients) {
        return message(UUID.randomUUID(), conversation, seq, sender, content, recipients);
    }

    /** A message.created event from {@code sender} to {@code recipients}. */
    public static ChatEvent message(UUID conversation, long seq, String sender, String... recipients) {
        return messageWithContent(conversation, seq, sender, "message " + seq, recipients);
    }

    public static ChatEvent message(UUID eventId, UUID conversation, long seq, String sender, String content,
            String... recipients) {
        ObjectNode message = ChatJson.mapper().createObjectNode()
                .put("id", UUID.randomUUID().toString())
                .put("conversation_id", conversation.toString())
                .put("seq", seq)
                .put("sender_id", sender)
                .put("type", "text")
                .put("content", content);
        ObjectNode frame = ChatJson.mapper().createObjectNode().put("type", EventTypes.MESSAGE_CREATED);
        frame.set("message", message);
        return new ChatEvent(eventId, EventTypes.MESSAGE_CREATED, ChatEvent.CURRENT_VERSION, Instant.now(),
                conversation, seq, recipients(sender, recipients), frame, null);
    }

    /** A conversation.updated event announcing that {@code added} joined. */
    public static ChatEvent conversationUpdated(UUID eventId, UUID conversation, List<String> added,
            String... recipients) {
        ObjectNode frame = ChatJson.mapper().createObjectNode().put("type", EventTypes.CONVERSATION_UPDATED);
        frame.putObject("conversation").put("id", conversation.toString());
        frame.putArray("added").addAll(added.stream().map(a -> ChatJson.mapper().getNodeFactory().stringNode(a)).toList());
        frame.putArray("removed");
        return new ChatEvent(eventId, EventTypes.CONVERSATION_UPDATED, ChatEvent.CURRENT_VERSION, Instant.now(),
                conversation, null, recipients(null, recipients), frame, null);
    }

    private static List<Recipient> recipients(String sender, String... users) {
        return Arrays.stream(users).map(user -> new Recipient(user, !user.equals(sender))).toList();
    }

    /** A user id no other test uses. */
    public static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
