package dev.chat.shared.limit;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code limit} connections at once: a slot is taken atomically (concurrent upgrades cannot
 * overshoot) and given back when the connection ends. Lock-free, safe on event loops.
 */
public final class ConnectionSlots {

    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();

    public ConnectionSlots(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        this.limit = limit;
    }

    /** Takes a slot if one is free. */
    public boolean tryAcquire() {
        while (true) {
            int current = inUse.get();
            if (current >= limit) {
                return false;
            }
            if (inUse.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives a slot back (callers release each acquired slot exactly once). */
    public void release() {
        inUse.decrementAndGet();
    }

    public int limit() {
        return limit;
    }

    public int inUse() {
        return inUse.get();
    }
}
