package dev.chat.message.receipt;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Component;

import dev.chat.message.outbox.Outbox;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import reactor.core.publisher.Mono;

/**
 * Writes one {@code receipt.updated} event to the outbox (its own short transaction: one insert)
 * (the outbox signals the relay). Its audience: every participant (the reader included, for their other
 * devices) in conversations of up to {@code max-fanout-members}; above that only the reader, so
 * that N acks in a large group never become N x N frames.
 */
@Component
class ReceiptPublisher {

    private final ReceiptStore store;
    private final Outbox outbox;
    private final ReceiptProperties properties;

    ReceiptPublisher(ReceiptStore store, Outbox outbox, ReceiptProperties properties) {
        this.store = store;
        this.outbox = outbox;
        this.properties = properties;
    }

    Mono<Void> publish(ReceiptKey key, Watermarks watermarks) {
        return store.participants(key.conversationId(), properties.maxFanoutMembers() + 1)
                .map(members -> audience(key.userId(), members, properties.maxFanoutMembers()))
                .flatMap(recipients -> outbox.append(event(key, watermarks, recipients,
                        ChatJson.truncate(Instant.now()))));
    }

    /**
     * {@code members}: up to {@code maxFanout + 1} participants; more than {@code maxFanout} means a
     * large conversation, whose receipts go to the reader's own devices only.
     */
    static List<Recipient> audience(String reader, List<String> members, int maxFanout) {
        List<Recipient> recipients = new ArrayList<>();
        recipients.add(new Recipient(reader, false));
        if (members.size() <= maxFanout) {
            members.stream().filter(m -> !m.equals(reader)).forEach(m -> recipients.add(new Recipient(m, false)));
        }
        return recipients;
    }

    static ChatEvent event(ReceiptKey key, Watermarks watermarks, List<Recipient> recipients, Instant now) {
        return ChatEvent.of(EventTypes.RECEIPT_UPDATED, key.conversationId(), null, recipients, now,
                Map.of("conversation_id", key.conversationId(), "user_id", key.userId(),
                        "delivered_seq", watermarks.deliveredSeq(), "read_seq", watermarks.readSeq()));
    }
}
