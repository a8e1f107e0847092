package dev.chat.message.receipt;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The shared coalescing windows as {@link ReceiptStore} keeps them on the participants' rows, on a
 * (virtual) clock, for unit tests: one instance stands for the database that several coalescers (several
 * message-service instances) share. The SQL itself is tested against PostgreSQL by {@code ReplicasIT}.
 */
final class SharedWindowsFake implements ReceiptCoalescer.Windows {

    private static final class Row {
        Watermarks current = new Watermarks(0, 0);
        Watermarks published = new Watermarks(0, 0);
        Long until;

        boolean dirty() {
            return current.isAbove(published);
        }
    }

    private final Map<ReceiptKey, Row> rows = new HashMap<>();
    private final Scheduler clock;
    private final long windowMillis;

    SharedWindowsFake(Scheduler clock, long windowMillis) {
        this.clock = clock;
        this.windowMillis = windowMillis;
    }

    private long now() {
        return clock.now(TimeUnit.MILLISECONDS);
    }

    /** {@link ReceiptStore#raise}: null when nothing moved. */
    synchronized ReceiptStore.Moved raise(ReceiptKey key, Watermarks watermarks) {
        Row row = rows.computeIfAbsent(key, k -> new Row());
        if (!watermarks.isAbove(row.current)) {
            return null;
        }
        row.current = row.current.max(watermarks);
        long now = now();
        boolean opened = row.until == null || row.until <= now;
        if (opened) {
            row.until = now + windowMillis;
            row.published = row.current;
        }
        return new ReceiptStore.Moved(row.current, opened, row.until - now);
    }

    @Override
    public synchronized Mono<ReceiptCoalescer.WindowEnd> end(ReceiptKey key, boolean force) {
        Row row = rows.get(key);
        if (row == null || !row.dirty()) {
            return Mono.empty();
        }
        long now = now();
        if (force || row.until <= now) {
            row.published = row.current;
            row.until = now + windowMillis;
            return Mono.just(ReceiptCoalescer.WindowEnd.due(row.current));
        }
        return Mono.just(ReceiptCoalescer.WindowEnd.waitFor(row.until - now));
    }
}
