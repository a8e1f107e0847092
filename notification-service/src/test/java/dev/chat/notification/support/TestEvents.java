package dev.chat.notification.support;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.ChatInfra;

/**
 * Writes what message-service and the websocket nodes would write: ChatEvents to {@code chat.events} and
 * ChatSignals to {@code chat.signals}, keyed by conversation id, in the shared JSON.
 */
public final class TestEvents implements AutoCloseable {

    private final KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ChatInfra.kafka().bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.LINGER_MS_CONFIG, 0,
            ProducerConfig.ACKS_CONFIG, "all"));

    /** A conversation of tests: id, type, title. */
    public record Conversation(UUID id, String type, String title) {

        public static Conversation direct() {
            return new Conversation(UUID.randomUUID(), "direct", null);
        }

        public static Conversation group(String title) {
            return new Conversation(UUID.randomUUID(), "group", title);
        }
    }

    /** A message as message-service would publish it. */
    public static ChatMessage message(Conversation conversation, long seq, String sender, String content) {
        return new ChatMessage(UUID.randomUUID(), conversation.id(), seq, sender, "Name of " + sender, null, "text",
                content, List.of(), null, List.of(), Instant.now(), null, false);
    }

    /** {@code message.created} with the given recipients ({@code push} as given) and the sender (push false). */
    public ChatEvent created(Conversation conversation, ChatMessage message, Recipient... recipients) {
        List<Recipient> all = new ArrayList<>(List.of(recipients));
        all.add(new Recipient(message.senderId(), false));
        ChatEvent event = ChatEvent.of(EventTypes.MESSAGE_CREATED, conversation.id(), message.seq(), all, Instant.now(),
                Map.of("message", message)).withConversation(new ChatEvent.ConversationSummary(conversation.type(),
                        conversation.title()));
        send(event);
        return event;
    }

    public ChatEvent updated(Conversation conversation, ChatMessage message, List<String> participants) {
        ChatEvent event = ChatEvent.of(EventTypes.MESSAGE_UPDATED, conversation.id(), message.seq(),
                participants.stream().map(u -> new Recipient(u, false)).toList(), Instant.now(), Map.of("message", message))
                .withConversation(new ChatEvent.ConversationSummary(conversation.type(), conversation.title()));
        send(event);
        return event;
    }

    public ChatEvent deleted(Conversation conversation, ChatMessage message, List<String> participants) {
        ChatMessage tombstone = new ChatMessage(message.id(), message.conversationId(), message.seq(), message.senderId(),
                message.senderName(), message.clientMessageId(), message.type(), "", List.of(), null, List.of(),
                message.createdAt(), Instant.now(), true);
        ChatEvent event = ChatEvent.of(EventTypes.MESSAGE_DELETED, conversation.id(), message.seq(),
                participants.stream().map(u -> new Recipient(u, false)).toList(), Instant.now(), Map.of("message", tombstone))
                .withConversation(new ChatEvent.ConversationSummary(conversation.type(), conversation.title()));
        send(event);
        return event;
    }

    /** {@code receipt.updated}: the reader's watermarks after a REST receipt (or a WebSocket read/ack). */
    public void receipt(Conversation conversation, String user, long deliveredSeq, long readSeq, List<String> participants) {
        send(ChatEvent.of(EventTypes.RECEIPT_UPDATED, conversation.id(), null,
                participants.stream().map(u -> new Recipient(u, false)).toList(), Instant.now(),
                Map.of("conversation_id", conversation.id(), "user_id", user, "delivered_seq", deliveredSeq,
                        "read_seq", readSeq)));
    }

    public void send(ChatEvent event) {
        send(Topics.CHAT_EVENTS, event.conversationId(), ChatJson.mapper().writeValueAsString(event));
    }

    public void ack(Conversation conversation, String user, long seq) {
        signal(ChatSignal.ack(conversation.id(), user, "session-" + user, "node-1", seq));
    }

    public void read(Conversation conversation, String user, long seq) {
        signal(ChatSignal.read(conversation.id(), user, "session-" + user, "node-1", seq));
    }

    public void typing(Conversation conversation, String user) {
        signal(ChatSignal.typing(conversation.id(), user, "session-" + user, "node-1", true));
    }

    public void signal(ChatSignal signal) {
        send(Topics.CHAT_SIGNALS, signal.conversationId(), ChatJson.mapper().writeValueAsString(signal));
    }

    public void send(String topic, UUID key, String json) {
        try {
            producer.send(new ProducerRecord<>(topic, key.toString(), json)).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not write to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
