package dev.chat.message.receipt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Turns a stream of watermark changes into at most one {@code receipt.updated} per (conversation,
 * user) per window, across every instance: the first change of a quiet pair is published at once and
 * opens a window; changes during the window are published once, with the latest watermarks, when it
 * ends, which opens the next window. A window that ends with nothing new closes.
 *
 * <p>The window is shared: it lives in PostgreSQL on the participant's row, opened by the statement
 * that raises the watermark ({@link ReceiptStore#raise}, which tells in {@link ReceiptStore.Moved}
 * whether this change opened it) and ended by {@link Windows#end}, which hands the due watermarks to
 * exactly one caller. Every instance that saw a change in a window asks at its end, so the last change
 * is published even when the instance that opened the window died meanwhile; an instance only remembers
 * which pairs it must ask about ({@code maxPending} at most; beyond, a change is published at once,
 * uncoalesced, rather than remembered).
 *
 * <p>Non-blocking: {@link #offer} does a map update and at most one publish subscription; window
 * ends run on the given scheduler and subscribe to one statement. On shutdown (after the web server
 * stopped taking requests) the windows this instance knows of are ended at once, so no change waits
 * for a window end that this instance will not ask for.
 */
final class ReceiptCoalescer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReceiptCoalescer.class);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);
    /** A window end asked for too early (clock rounding, a race with another instance) asks again after this. */
    private static final long MIN_RECHECK_MILLIS = 5;

    /** Publishes one (already coalesced) change; must not block. */
    @FunctionalInterface
    interface Publisher {
        Mono<Void> publish(ReceiptKey key, Watermarks watermarks);
    }

    /** What the end of a window found: watermarks to publish now ({@code due}), or time the window has left. */
    record WindowEnd(Watermarks due, long waitMillis) {

        static WindowEnd due(Watermarks watermarks) {
            return new WindowEnd(watermarks, 0);
        }

        static WindowEnd waitFor(long millis) {
            return new WindowEnd(null, millis);
        }
    }

    /** The shared windows ({@link ReceiptStore#endWindow}). */
    @FunctionalInterface
    interface Windows {
        /**
         * Ends the pair's window if it is over ({@code force}: now): the watermarks to publish if they moved
         * since the last event, and then the next window is open; the time left if they moved but the window
         * runs on; empty if nothing moved since the last event.
         */
        Mono<WindowEnd> end(ReceiptKey key, boolean force);
    }

    /**
     * Pairs this instance must ask about when their window ends (one scheduled ask each), with a count of
     * the changes offered for them: an ask that found the pair quiet forgets it only if no change came
     * in meanwhile.
     */
    private final Map<ReceiptKey, Long> pending = new ConcurrentHashMap<>();
    private final Publisher publisher;
    private final Windows windows;
    private final Scheduler scheduler;
    private final long windowMillis;
    private final int maxPending;
    private final Counter offered;
    private final Counter published;
    private final Counter overflow;
    private volatile boolean running = true;

    ReceiptCoalescer(Publisher publisher, Windows windows, Scheduler scheduler, Duration window, int maxPending,
            MeterRegistry meters) {
        this.publisher = publisher;
        this.windows = windows;
        this.scheduler = scheduler;
        this.windowMillis = Math.max(0, window.toMillis());
        this.maxPending = maxPending;
        this.offered = meters.counter("chat.receipts.changes");
        this.published = meters.counter("chat.receipts.events");
        this.overflow = meters.counter("chat.receipts.coalescer.overflow");
    }

    /** A watermark of {@code key} moved, as {@link ReceiptStore#raise} reports it. */
    void offer(ReceiptKey key, ReceiptStore.Moved moved) {
        offered.increment();
        if (!running || windowMillis == 0) {
            publish(key, moved.watermarks());
            return;
        }
        if (moved.opened()) {
            publish(key, moved.watermarks());
        }
        boolean[] full = { false };
        boolean[] added = { false };
        pending.compute(key, (k, changes) -> {
            if (changes != null) {
                return changes + 1; // an ask is scheduled already
            }
            if (pending.size() >= maxPending) {
                full[0] = true;
                return null;
            }
            added[0] = true;
            return 0L;
        });
        if (added[0]) {
            scheduleEnd(key, moved.windowLeftMillis());
        } else if (full[0]) {
            overflow.increment();
            if (!moved.opened()) {
                publish(key, moved.watermarks());
            }
        }
    }

    /** Pairs this instance will ask about (for tests and the bound). */
    int tracked() {
        return pending.size();
    }

    private void scheduleEnd(ReceiptKey key, long delayMillis) {
        scheduler.schedule(() -> endWindow(key), Math.max(MIN_RECHECK_MILLIS, delayMillis), TimeUnit.MILLISECONDS);
    }

    private void endWindow(ReceiptKey key) {
        Long seen = pending.get(key);
        if (!running || seen == null) {
            return; // flushed: the shutdown asked for every pending pair
        }
        windows.end(key, false)
                .doOnNext(end -> {
                    if (end.due() != null) {
                        publish(key, end.due());
                        scheduleEnd(key, windowMillis);
                    } else {
                        scheduleEnd(key, end.waitMillis());
                    }
                })
                .switchIfEmpty(Mono.fromRunnable(() -> forget(key, seen))) // quiet
                .onErrorResume(e -> {
                    // the watermark itself is stored; only the live update is lost (clients can GET receipts)
                    log.warn("Could not end the receipt window of conversation {}: {}", key.conversationId(),
                            e.toString());
                    forget(key, seen);
                    return Mono.empty();
                })
                .subscribe();
    }

    /** Forgets a quiet pair, unless a change came in since the ask began: then asks again at the window's end. */
    private void forget(ReceiptKey key, long seen) {
        if (!pending.remove(key, seen) && pending.containsKey(key)) {
            scheduleEnd(key, windowMillis);
        }
    }

    private void publish(ReceiptKey key, Watermarks watermarks) {
        publishing(key, watermarks).subscribe();
    }

    private Mono<Void> publishing(ReceiptKey key, Watermarks watermarks) {
        published.increment();
        return Mono.defer(() -> publisher.publish(key, watermarks))
                .onErrorResume(e -> {
                    // the watermark itself is stored; only the live update is lost (clients can GET receipts)
                    log.warn("Could not publish receipt.updated for conversation {}: {}", key.conversationId(),
                            e.toString());
                    return Mono.empty();
                });
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        flush().block(FLUSH_TIMEOUT);
    }

    @Override
    public void stop(Runnable callback) {
        flush().timeout(FLUSH_TIMEOUT).onErrorComplete().doFinally(signal -> callback.run()).subscribe();
    }

    /** Ends every window this instance knows of now, publishing what is due, and stops coalescing. */
    Mono<Void> flush() {
        running = false;
        List<Mono<Void>> ends = new ArrayList<>();
        for (ReceiptKey key : List.copyOf(pending.keySet())) {
            if (pending.remove(key) != null) {
                ends.add(windows.end(key, true)
                        .flatMap(end -> end.due() != null ? publishing(key, end.due()) : Mono.<Void>empty())
                        .onErrorResume(e -> {
                            log.warn("Could not end the receipt window of conversation {} on shutdown: {}",
                                    key.conversationId(), e.toString());
                            return Mono.empty();
                        }));
            }
        }
        return Mono.when(ends);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after the web server (no more receipts arrive) and starts before it. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
