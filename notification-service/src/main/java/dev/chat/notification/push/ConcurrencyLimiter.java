package dev.chat.notification.push;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * At most {@code max} requests of one provider in flight; the rest wait in order. Never blocks: a slow
 * provider fills its own window and nothing else (the other provider, the Kafka consumer) waits for it.
 */
final class ConcurrencyLimiter {

    private final int max;
    private final AtomicInteger running = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    /** A send that completes at once (a local refusal) must not recurse into the drain loop it runs in. */
    private final ThreadLocal<Boolean> draining = ThreadLocal.withInitial(() -> false);

    ConcurrencyLimiter(int max) {
        this.max = max;
    }

    <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        waiting.add(() -> {
            CompletableFuture<T> started;
            try {
                started = task.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((value, error) -> {
                running.decrementAndGet();
                drain();
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
        });
        drain();
        return result;
    }

    int running() {
        return running.get();
    }

    int waiting() {
        return waiting.size();
    }

    private void drain() {
        if (draining.get()) {
            return;
        }
        draining.set(true);
        try {
            drainLoop();
        } finally {
            draining.set(false);
        }
    }

    private void drainLoop() {
        while (true) {
            int now = running.get();
            if (now >= max || waiting.isEmpty()) {
                return;
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            Runnable next = waiting.poll();
            if (next == null) {
                running.decrementAndGet();
                if (waiting.isEmpty()) {
                    return;
                }
                continue;
            }
            next.run();
        }
    }
}
