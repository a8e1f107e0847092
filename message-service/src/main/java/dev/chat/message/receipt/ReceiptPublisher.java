package dev.chat.message.receipt;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.stereotype.Component;

import dev.chat.message.outbox.Outbox;
import dev.chat.message.outbox.OutboxSignal;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes one {@code receipt.updated} event to the outbox (its own short transaction: one insert)
 * and signals the relay. Its audience: every participant (the reader included, for their other
 * devices) in conversations of up to {@code max-fanout-members}; above that only the reader, so
 * that N acks in a large group never become N x N frames.
 */
@Component
class ReceiptPublisher {

    /** The event and frame type; to move to shared-lib's {@code EventTypes}. */
    static final String RECEIPT_UPDATED = EventTypes.RECEIPT_UPDATED;

    private final ReceiptStore store;
    private final Outbox outbox;
    private final OutboxSignal relay;
    private final ReceiptProperties properties;

    ReceiptPublisher(ReceiptStore store, Outbox outbox, OutboxSignal relay, ReceiptProperties properties) {
        this.store = store;
        this.outbox = outbox;
        this.relay = relay;
        this.properties = properties;
    }

    Mono<Void> publish(ReceiptKey key, Watermarks watermarks) {
        return store.participants(key.conversationId(), properties.maxFanoutMembers() + 1)
                .map(members -> audience(key.userId(), members, properties.maxFanoutMembers()))
                .flatMap(recipients -> outbox.append(event(key, watermarks, recipients,
                        ChatJson.truncate(Instant.now()))))
                .doOnSuccess(done -> relay.signal());
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
        ObjectNode frame = ChatJson.mapper().createObjectNode();
        frame.put("type", RECEIPT_UPDATED);
        frame.put("conversation_id", key.conversationId().toString());
        frame.put("user_id", key.userId());
        frame.put("delivered_seq", watermarks.deliveredSeq());
        frame.put("read_seq", watermarks.readSeq());
        return new ChatEvent(UUID.randomUUID(), RECEIPT_UPDATED, ChatEvent.CURRENT_VERSION, now, key.conversationId(),
                null, recipients, frame);
    }
}
