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
 * user) per window: the first change of a quiet pair is published at once and opens a window;
 * changes during the window are merged (the larger watermarks win) and published once when it
 * ends, which opens the next window. A window that ends with nothing new closes and forgets the
 * pair, so the map holds only pairs that changed within the last window or two.
 *
 * <p>Non-blocking: {@link #offer} does a map update and at most one publish subscription; window
 * ends run on the given scheduler. Bounded: beyond {@code maxPending} tracked pairs a change is
 * published at once, uncoalesced, rather than remembered. Per instance: several instances each
 * coalesce what they receive.
 *
 * <p>On shutdown (after the web server stopped taking requests) pending changes are published at
 * once, so none waits for a window that will never end.
 */
final class ReceiptCoalescer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReceiptCoalescer.class);
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);

    /** Publishes one (already coalesced) change; must not block. */
    @FunctionalInterface
    interface Publisher {
        Mono<Void> publish(ReceiptKey key, Watermarks watermarks);
    }

    /**
     * An open window of one pair. Mutated only inside the map's atomic {@code compute} calls.
     * {@code latest}: the largest watermarks seen; {@code dirty}: they were not published yet.
     */
    private static final class Window {
        Watermarks latest;
        boolean dirty;

        Window(Watermarks published) {
            this.latest = published;
        }
    }

    private final Map<ReceiptKey, Window> windows = new ConcurrentHashMap<>();
    private final Publisher publisher;
    private final Scheduler scheduler;
    private final long windowMillis;
    private final int maxPending;
    private final Counter offered;
    private final Counter published;
    private final Counter overflow;
    private volatile boolean running = true;

    ReceiptCoalescer(Publisher publisher, Scheduler scheduler, Duration window, int maxPending, MeterRegistry meters) {
        this.publisher = publisher;
        this.scheduler = scheduler;
        this.windowMillis = Math.max(0, window.toMillis());
        this.maxPending = maxPending;
        this.offered = meters.counter("chat.receipts.changes");
        this.published = meters.counter("chat.receipts.events");
        this.overflow = meters.counter("chat.receipts.coalescer.overflow");
    }

    /** A watermark of {@code key} moved to {@code watermarks}. */
    void offer(ReceiptKey key, Watermarks watermarks) {
        offered.increment();
        if (!running || windowMillis == 0) {
            publish(key, watermarks);
            return;
        }
        boolean[] opened = { false };
        boolean[] full = { false };
        windows.compute(key, (k, window) -> {
            if (window == null) {
                if (windows.size() >= maxPending) {
                    full[0] = true;
                    return null;
                }
                opened[0] = true;
                return new Window(watermarks);
            }
            if (watermarks.isAbove(window.latest)) {
                window.latest = window.latest.max(watermarks);
                window.dirty = true;
            }
            return window;
        });
        if (full[0]) {
            overflow.increment();
            publish(key, watermarks);
        } else if (opened[0]) {
            publish(key, watermarks);
            scheduleEnd(key);
        }
    }

    /** Pairs with an open window (for tests and the bound). */
    int tracked() {
        return windows.size();
    }

    private void scheduleEnd(ReceiptKey key) {
        scheduler.schedule(() -> endWindow(key), windowMillis, TimeUnit.MILLISECONDS);
    }

    private void endWindow(ReceiptKey key) {
        Watermarks[] due = { null };
        windows.computeIfPresent(key, (k, window) -> {
            if (!window.dirty) {
                return null; // quiet for a whole window: forget the pair
            }
            due[0] = window.latest;
            window.dirty = false;
            return window;
        });
        if (due[0] != null) {
            publish(key, due[0]);
            scheduleEnd(key);
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

    /** Publishes every pending change now and stops coalescing. */
    Mono<Void> flush() {
        running = false;
        List<Mono<Void>> pending = new ArrayList<>();
        for (ReceiptKey key : List.copyOf(windows.keySet())) {
            Window window = windows.remove(key);
            if (window != null && window.dirty) {
                pending.add(publishing(key, window.latest));
            }
        }
        return Mono.when(pending);
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
