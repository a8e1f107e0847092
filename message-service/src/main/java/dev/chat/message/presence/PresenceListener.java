package dev.chat.message.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.chat.shared.event.PresenceSignal;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.core.JacksonException;

/**
 * Consumes {@code chat.presence} in the group {@code chat.presence.consumer-group} (key = user id, so one
 * instance applies a user's ups and downs, in order). A batch is applied before its offsets are committed.
 */
@Component
class PresenceListener {

    private static final Logger log = LoggerFactory.getLogger(PresenceListener.class);
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

    private final PresenceService presence;
    private final MeterRegistry meters;

    PresenceListener(PresenceService presence, MeterRegistry meters) {
        this.presence = presence;
        this.meters = meters;
    }

    @KafkaListener(id = "chat-presence", topics = Topics.CHAT_PRESENCE, groupId = "${chat.presence.consumer-group}",
            batch = "true")
    void onPresence(List<ConsumerRecord<String, String>> records) {
        List<PresenceSignal> signals = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> record : records) {
            try {
                PresenceSignal signal = record.value() == null ? null
                        : ChatJson.mapper().readValue(record.value(), PresenceSignal.class);
                if (signal == null || signal.version() != PresenceSignal.CURRENT_VERSION || signal.type() == null
                        || signal.nodeId() == null
                        || (signal.type().startsWith("session.") && signal.userId() == null)) {
                    meters.counter("chat.presence.skipped", "reason", "invalid").increment();
                    continue;
                }
                signals.add(signal);
            } catch (JacksonException e) {
                meters.counter("chat.presence.skipped", "reason", "unreadable").increment();
                log.warn("Skipping unreadable presence signal {}-{}@{}", record.topic(), record.partition(), record.offset());
            }
        }
        if (!signals.isEmpty()) {
            presence.apply(signals).block(BATCH_TIMEOUT);
        }
    }
}
