package dev.chat.message.receipt;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.stereotype.Service;

import dev.chat.message.conversation.ConversationErrors;
import dev.chat.message.message.MessageErrors;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import reactor.core.publisher.Mono;

/**
 * Receipt watermarks: per (conversation, participant) the highest delivered and read seq, only ever
 * raised, stored at once; the {@code receipt.updated} events about them are coalesced.
 */
@Service
class ReceiptService {


    private final ReceiptStore store;
    private final ReceiptCoalescer coalescer;

    ReceiptService(ReceiptStore store, ReceiptCoalescer coalescer) {
        this.store = store;
        this.coalescer = coalescer;
    }

    /**
     * Raises {@code userId}'s watermarks (each optional, at least one given). Values above the
     * conversation's last_seq are clamped to it; lower ones than stored change nothing. 404 if the
     * user is not a participant. The same entry point serves REST and, later, WebSocket ack/read.
     */
    Mono<Void> update(String userId, UUID conversationId, Long deliveredSeq, Long readSeq) {
        return Mono.defer(() -> {
            if (deliveredSeq == null && readSeq == null) {
                return Mono.error(ChatException.badRequest(ErrorCodes.INVALID_PARAMETER,
                        "Give delivered_seq, read_seq or both"));
            }
            checkNotNegative("delivered_seq", deliveredSeq);
            checkNotNegative("read_seq", readSeq);
            long delivered = deliveredSeq == null ? 0 : deliveredSeq;
            long read = readSeq == null ? 0 : readSeq;
            return store.raise(conversationId, userId, delivered, read, ChatJson.truncate(Instant.now()))
                    .doOnNext(moved -> coalescer.offer(new ReceiptKey(conversationId, userId), moved))
                    .map(moved -> true)
                    // nothing moved: fine for a participant (a repeated or older ack), 404 for anyone else
                    .switchIfEmpty(store.isParticipant(conversationId, userId))
                    .flatMap(ok -> ok ? Mono.<Void>empty() : Mono.error(ConversationErrors.notAParticipant()));
        });
    }

    /** The receipt of every other participant for one message; 404 as for editing it. */
    Mono<List<MessageReceipt>> receipts(String userId, UUID messageId) {
        return receipts(userId, messageId, null, MAX_RECEIPTS_PAGE).map(Page::receipts);
    }

    /** At most this many receipts in one answer (a 100,000-member group is paged). */
    static final int MAX_RECEIPTS_PAGE = 1000;

    /** One page of receipts, in user id order, and the user id to continue after (null on the last page). */
    record Page(List<MessageReceipt> receipts, String next) {
    }

    Mono<Page> receipts(String userId, UUID messageId, String after, Integer limit) {
        return Mono.defer(() -> {
            if (limit != null && (limit < 1 || limit > MAX_RECEIPTS_PAGE)) {
                return Mono.error(ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "limit",
                        "must be between 1 and " + MAX_RECEIPTS_PAGE));
            }
            int pageSize = limit == null ? MAX_RECEIPTS_PAGE : limit;
            return store.message(messageId, userId)
                    .switchIfEmpty(Mono.error(MessageErrors::messageNotFound))
                    .flatMap(message -> store.others(message.conversationId(), userId, after, pageSize + 1)
                            .map(others -> {
                                boolean more = others.size() > pageSize;
                                List<ReceiptStore.ParticipantWatermarks> page = more ? others.subList(0, pageSize) : others;
                                return new Page(page.stream().map(p -> receipt(message, p)).toList(),
                                        more ? page.getLast().userId() : null);
                            }));
        });
    }

    /**
     * Status from the watermarks against the message's seq, {@code at} from when that watermark last
     * moved. The sender has read their own message (at its creation), whatever their watermarks say.
     */
    static MessageReceipt receipt(ReceiptStore.MessageRef message, ReceiptStore.ParticipantWatermarks p) {
        if (p.userId().equals(message.senderId())) {
            return new MessageReceipt(p.userId(), MessageReceipt.READ, message.createdAt());
        }
        if (p.readSeq() >= message.seq()) {
            return new MessageReceipt(p.userId(), MessageReceipt.READ, p.readAt());
        }
        if (p.deliveredSeq() >= message.seq()) {
            return new MessageReceipt(p.userId(), MessageReceipt.DELIVERED, p.deliveredAt());
        }
        return new MessageReceipt(p.userId(), MessageReceipt.SENT, null);
    }

    private static void checkNotNegative(String field, Long value) {
        if (value != null && value < 0) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, field, field + " must be 0 or more");
        }
    }
}
