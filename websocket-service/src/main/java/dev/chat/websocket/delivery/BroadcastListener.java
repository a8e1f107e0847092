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
import dev.chat.shared.event.PresenceUpdate;
import dev.chat.shared.event.TokenRevocation;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.presence.PresenceDelivery;
import dev.chat.websocket.revocation.RevocationStore;

/**
 * Reads the broadcast topics' records on the consumer thread and dispatches them by topic:
 * {@code chat.events} to {@link EventDelivery}, {@code chat.presence.updates} to
 * {@link PresenceDelivery}, {@code chat.revocations} to {@link RevocationStore}. A record that cannot
 * be read is logged (by position, never by content) and skipped; nothing a record holds can stop the
 * consumer.
 */
final class BroadcastListener implements MessageListener<String, String>, ConsumerSeekAware {

    private static final Logger log = LoggerFactory.getLogger(BroadcastListener.class);

    private final EventDelivery events;
    private final PresenceDelivery presence;
    private final RevocationStore revocations;
    private final BroadcastConsumer.State state;
    private final JsonMapper json = ChatJson.mapper();

    BroadcastListener(EventDelivery events, PresenceDelivery presence, RevocationStore revocations,
            BroadcastConsumer.State state) {
        this.events = events;
        this.presence = presence;
        this.revocations = revocations;
        this.state = state;
    }

    @Override
    public void onMessage(ConsumerRecord<String, String> record) {
        try {
            switch (record.topic()) {
                case Topics.CHAT_EVENTS -> {
                    ChatEvent event = parse(record, ChatEvent.class);
                    if (event != null) {
                        events.deliver(event);
                    } else {
                        events.unreadable();
                    }
                }
                case Topics.CHAT_PRESENCE_UPDATES -> {
                    PresenceUpdate update = parse(record, PresenceUpdate.class);
                    if (update != null) {
                        presence.deliver(update);
                    }
                }
                case Topics.CHAT_REVOCATIONS -> {
                    // a null value is a tombstone: the operator withdrew the user's revocation
                    try {
                        TokenRevocation revocation = record.value() == null ? null
                                : parse(record, TokenRevocation.class);
                        if (revocation != null || record.value() == null) {
                            revocations.apply(record.key(), revocation);
                        }
                    } finally {
                        state.reached(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    }
                }
                default -> log.warn("Skipping a record of unexpected topic {}", record.topic());
            }
        } catch (RuntimeException e) {
            log.error("Could not handle {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
        }
    }

    private <T> T parse(ConsumerRecord<String, String> record, Class<T> type) {
        if (record.value() == null) {
            log.warn("Skipping empty record {}-{}@{}", record.topic(), record.partition(), record.offset());
            return null;
        }
        try {
            return json.readValue(record.value(), type);
        } catch (JacksonException e) {
            // the parser's message may quote the record's content: log where, not what
            log.warn("Skipping unreadable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getClass().getSimpleName());
            return null;
        }
    }

    /** Called on the consumer thread once the partitions are assigned and positioned (after the initial seeks). */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        state.assigned(assignments);
    }
}
