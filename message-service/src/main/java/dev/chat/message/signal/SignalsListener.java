package dev.chat.message.signal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.chat.message.receipt.ReceiptSignals;
import dev.chat.message.typing.TypingService;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;

/**
 * Consumes {@code chat.signals} (what clients said over WebSocket) in the group {@code chat.signals.consumer-group}:
 * the partitions, hence conversations, are spread over the instances. {@code ack}/{@code read} raise
 * watermarks ({@link ReceiptSignals}); {@code typing} is re-emitted as {@code typing.updated}
 * ({@link TypingService}). Runs on the consumer thread, which waits for a batch to be applied before its
 * offsets are committed (at least once; applying a signal twice changes nothing). A record that is not
 * a readable signal is counted and skipped; nothing in a record can stop the consumer.
 */
@Component
class SignalsListener {

    private static final Logger log = LoggerFactory.getLogger(SignalsListener.class);
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

    private final ReceiptSignals receipts;
    private final TypingService typing;
    private final MeterRegistry meters;

    SignalsListener(ReceiptSignals receipts, TypingService typing, MeterRegistry meters) {
        this.receipts = receipts;
        this.typing = typing;
        this.meters = meters;
    }

    @KafkaListener(id = "chat-signals", topics = Topics.CHAT_SIGNALS, groupId = "${chat.signals.consumer-group}",
            batch = "true")
    void onSignals(List<ConsumerRecord<String, String>> records) {
        List<ChatSignal> marks = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            ChatSignal signal = parse(record);
            if (signal == null) {
                continue;
            }
            meters.counter("chat.signals.received", "type", signal.type()).increment();
            switch (signal.type()) {
                case ChatSignal.ACK, ChatSignal.READ -> marks.add(signal);
                case ChatSignal.TYPING -> typing.onTyping(signal);
                default -> meters.counter("chat.signals.skipped", "reason", "unknown_type").increment();
            }
        }
        if (!marks.isEmpty()) {
            // the database is down: the batch fails, is not committed, and is delivered again
            receipts.apply(marks).block(BATCH_TIMEOUT);
        }
    }

    private ChatSignal parse(ConsumerRecord<String, String> record) {
        try {
            ChatSignal signal = record.value() == null ? null : ChatJson.mapper().readValue(record.value(), ChatSignal.class);
            if (signal == null || signal.version() != ChatSignal.CURRENT_VERSION || signal.type() == null
                    || signal.conversationId() == null || signal.userId() == null) {
                meters.counter("chat.signals.skipped", "reason", "invalid").increment();
                return null;
            }
            return signal;
        } catch (JacksonException e) {
            meters.counter("chat.signals.skipped", "reason", "unreadable").increment();
            log.warn("Skipping unreadable signal {}-{}@{}", record.topic(), record.partition(), record.offset());
            return null;
        }
    }
}
