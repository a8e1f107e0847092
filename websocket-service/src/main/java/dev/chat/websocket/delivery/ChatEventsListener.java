package dev.chat.websocket.delivery;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.MessageListener;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.json.ChatJson;

/**
 * Reads {@code chat.events} records on the consumer thread. A record that is not a ChatEvent is
 * logged (by position, never by content) and skipped; nothing a record holds can stop the consumer.
 */
final class ChatEventsListener implements MessageListener<String, String>, ConsumerSeekAware {

    private static final Logger log = LoggerFactory.getLogger(ChatEventsListener.class);

    private final EventDelivery delivery;
    private final ChatEventsConsumer.State state;
    private final JsonMapper json = ChatJson.mapper();

    ChatEventsListener(EventDelivery delivery, ChatEventsConsumer.State state) {
        this.delivery = delivery;
        this.state = state;
    }

    @Override
    public void onMessage(ConsumerRecord<String, String> record) {
        try {
            ChatEvent event = parse(record);
            if (event != null) {
                delivery.deliver(event);
            }
        } catch (RuntimeException e) {
            log.error("Could not deliver {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
        }
    }

    private ChatEvent parse(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            delivery.unreadable();
            log.warn("Skipping empty record {}-{}@{}", record.topic(), record.partition(), record.offset());
            return null;
        }
        try {
            return json.readValue(record.value(), ChatEvent.class);
        } catch (JacksonException e) {
            delivery.unreadable();
            // the parser's message may quote the record's content: log where, not what
            log.warn("Skipping unreadable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getClass().getSimpleName());
            return null;
        }
    }

    /** Called on the consumer thread once the partitions are assigned and positioned at the recorded offsets. */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        state.assigned(assignments);
    }
}
