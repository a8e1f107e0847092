package dev.chat.message.receipt;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * WebSocket {@code ack} and {@code read} frames (through {@code chat.signals}) raise watermarks through
 * the same path as REST receipts: {@link ReceiptStore#raise} (only ever forward, clamped to last_seq,
 * read implies delivered) and the coalesced {@code receipt.updated}. A batch is merged first: per
 * (conversation, user) only the highest ack and read matter. A signal of a user who is not a participant
 * raises nothing (the UPDATE finds no row) and is counted: that is the membership check.
 */
@Component
public class ReceiptSignals {

    private static final int CONCURRENCY = 4;

    private final ReceiptStore store;
    private final ReceiptCoalescer coalescer;
    private final Counter ignored;

    ReceiptSignals(ReceiptStore store, ReceiptCoalescer coalescer, MeterRegistry meters) {
        this.store = store;
        this.coalescer = coalescer;
        this.ignored = Counter.builder("chat.signals.receipts.ignored")
                .description("ack/read signals that moved nothing (repeats, or not a participant)").register(meters);
    }

    /** Applies the ack and read signals of one batch; completes when every watermark is stored. */
    public Mono<Void> apply(List<ChatSignal> signals) {
        Map<ReceiptKey, long[]> merged = new LinkedHashMap<>();
        for (ChatSignal signal : signals) {
            if (signal.seq() == null || signal.seq() < 0) {
                continue;
            }
            long[] marks = merged.computeIfAbsent(new ReceiptKey(signal.conversationId(), signal.userId()),
                    key -> new long[2]);
            if (ChatSignal.READ.equals(signal.type())) {
                marks[1] = Math.max(marks[1], signal.seq());
            }
            marks[0] = Math.max(marks[0], signal.seq()); // read implies delivered
        }
        Instant now = ChatJson.truncate(Instant.now());
        return Flux.fromIterable(merged.entrySet())
                .flatMap(e -> store.raise(e.getKey().conversationId(), e.getKey().userId(), e.getValue()[0],
                                e.getValue()[1], now)
                        .doOnNext(moved -> coalescer.offer(e.getKey(), moved))
                        .switchIfEmpty(Mono.fromRunnable(ignored::increment)), CONCURRENCY)
                .then();
    }
}
