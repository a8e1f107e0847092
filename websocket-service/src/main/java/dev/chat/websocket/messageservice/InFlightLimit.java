package dev.chat.websocket.messageservice;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * At most {@code max} calls in flight; later ones wait their turn in arrival order, without blocking a
 * thread. A waiting call that is cancelled (its session closed) leaves the queue; a permit is released
 * exactly once however the call ends.
 */
final class InFlightLimit {

    private final int max;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private int inFlight;

    InFlightLimit(int max) {
        this.max = max;
    }

    <T> Mono<T> run(Supplier<Mono<T>> call) {
        return Mono.defer(() -> {
            Permit permit = new Permit();
            return acquire(permit).then(Mono.defer(call)).doFinally(signal -> permit.release());
        });
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    private Mono<Void> acquire(Permit permit) {
        return Mono.create(sink -> {
            Waiter waiter = new Waiter(permit, sink);
            synchronized (this) {
                if (inFlight < max) {
                    inFlight++;
                    permit.held = true;
                } else {
                    waiting.add(waiter);
                    sink.onCancel(() -> {
                        synchronized (this) {
                            waiting.remove(waiter);
                        }
                    });
                    return;
                }
            }
            sink.success();
        });
    }

    private void release() {
        Waiter next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                inFlight--;
                return;
            }
            // the permit passes to the next call
            next.permit.held = true;
        }
        next.sink.success();
    }

    private record Waiter(Permit permit, MonoSink<Void> sink) {
    }

    private final class Permit {

        /** Set under the limit's lock. */
        volatile boolean held;
        private final AtomicBoolean released = new AtomicBoolean();

        void release() {
            if (held && released.compareAndSet(false, true)) {
                InFlightLimit.this.release();
            }
        }
    }
}
