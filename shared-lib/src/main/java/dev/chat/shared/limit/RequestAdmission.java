package dev.chat.shared.limit;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Bounded admission of work: at most {@code maxInFlight} units run at once; when all permits are taken, at
 * most {@code maxWaiting} more wait, each at most {@code maxWait}, for one to come free (in arrival order);
 * everything beyond is refused at once, before any of its work ran. Load past the capacity is thereby
 * shed in a bounded time instead of queueing without bound (the timeout pile-up).
 * <p>
 * A permit is given back exactly once however the work ends: it completes, fails, or is cancelled (a client
 * that went away), also while still waiting or in the instant it is admitted. A freed permit passes straight
 * to the oldest waiter. Lock-free, never blocks a thread: safe on event loops. A waiter that is admitted
 * continues on the thread that freed the permit; one that waited too long is refused on {@code timer}'s thread.
 */
public final class RequestAdmission {

    /** How an attempt ended. */
    public enum Outcome {
        /** It runs (at once, or after waiting). */
        ADMITTED,
        /** Refused at once: every permit taken and {@code maxWaiting} already waiting (or no waiting allowed). */
        QUEUE_FULL,
        /** Refused after waiting {@code maxWait} without a permit coming free. */
        WAIT_TIMED_OUT;

        /** The name of a metric tag value: {@code queue_full}, {@code wait_timed_out}. */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Mono<Outcome> ADMITTED = Mono.just(Outcome.ADMITTED);
    private static final Mono<Outcome> QUEUE_FULL = Mono.just(Outcome.QUEUE_FULL);

    private final ConnectionSlots permits;
    private final int maxWaiting;
    private final long maxWaitNanos;
    private final Scheduler timer;
    private final AtomicInteger waiting = new AtomicInteger();
    private final ConcurrentLinkedQueue<Ticket> queue = new ConcurrentLinkedQueue<>();

    /**
     * @param maxInFlight units running at once, at least 1
     * @param maxWaiting  units that may wait for a permit (0: none wait; everything past {@code maxInFlight} is
     *                    refused at once)
     * @param maxWait     the longest one waits (zero: none wait)
     */
    public RequestAdmission(int maxInFlight, int maxWaiting, Duration maxWait) {
        this(maxInFlight, maxWaiting, maxWait, Schedulers.parallel());
    }

    RequestAdmission(int maxInFlight, int maxWaiting, Duration maxWait, Scheduler timer) {
        if (maxWaiting < 0 || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWaiting and maxWait must not be negative");
        }
        this.permits = new ConnectionSlots(maxInFlight);
        this.maxWaiting = maxWait.isZero() ? 0 : maxWaiting;
        this.maxWaitNanos = maxWait.toNanos();
        this.timer = timer;
    }

    /**
     * Runs {@code work} once admitted, else answers {@code refused(outcome)}; neither is called before this
     * Mono is subscribed, and {@code work} never runs for a refused attempt.
     */
    public <T> Mono<T> run(Supplier<? extends Mono<T>> work, Function<Outcome, ? extends Mono<T>> refused) {
        return Mono.defer(() -> {
            Ticket ticket = new Ticket();
            return ticket.attempt()
                    // a ticket whose attempt ended in the instant it was admitted (cancelled) has already given
                    // its permit back: its work must not start any more
                    .flatMap(outcome -> outcome != Outcome.ADMITTED ? refused.apply(outcome)
                            : ticket.start() ? work.get() : Mono.<T>empty())
                    // every end: completion, error, cancellation (while waiting, too)
                    .doFinally(signal -> ticket.end());
        });
    }

    public int maxInFlight() {
        return permits.limit();
    }

    public int maxWaiting() {
        return maxWaiting;
    }

    public Duration maxWait() {
        return Duration.ofNanos(maxWaitNanos);
    }

    /** Units holding a permit now. */
    public int inFlight() {
        return permits.inUse();
    }

    /** Units waiting for a permit now. */
    public int waiting() {
        return waiting.get();
    }

    /** Hands a freed permit to the oldest waiter, or gives it back. */
    private void releasePermit() {
        while (true) {
            Ticket next = queue.poll();
            if (next == null) {
                permits.release();
                // a ticket queued after the poll may have looked for a free permit before the release: look again
                if (queue.isEmpty() || !permits.tryAcquire()) {
                    return;
                }
                continue;
            }
            if (next.grant()) {
                return;
            }
        }
    }

    private static final int NEW = 0;
    private static final int WAITING = 1;
    private static final int GRANTED = 2;
    private static final int REFUSED = 3;
    private static final int DONE = 4;
    private static final int RUNNING = 5;

    /**
     * One attempt: NEW, then GRANTED or REFUSED, or WAITING and then one of them; GRANTED becomes RUNNING when
     * its work starts; GRANTED and RUNNING end DONE, which gives the permit back.
     */
    private final class Ticket {

        private final AtomicInteger state = new AtomicInteger(NEW);
        private volatile MonoSink<Outcome> sink;
        private volatile Disposable timeout;

        Mono<Outcome> attempt() {
            if (permits.tryAcquire()) {
                if (state.compareAndSet(NEW, GRANTED)) {
                    return ADMITTED;
                }
                releasePermit();
                return QUEUE_FULL;
            }
            if (!reserveWaitingPlace()) {
                state.compareAndSet(NEW, REFUSED);
                return QUEUE_FULL;
            }
            return Mono.create(this::await);
        }

        private boolean reserveWaitingPlace() {
            while (true) {
                int current = waiting.get();
                if (current >= maxWaiting) {
                    return false;
                }
                if (waiting.compareAndSet(current, current + 1)) {
                    return true;
                }
            }
        }

        private void await(MonoSink<Outcome> sink) {
            this.sink = sink;
            if (!state.compareAndSet(NEW, WAITING)) {
                // cancelled before it could wait
                waiting.decrementAndGet();
                return;
            }
            queue.add(this);
            if (permits.tryAcquire()) {
                // a permit came free between the first try and the queueing, possibly unseen by its releaser
                if (state.compareAndSet(WAITING, GRANTED)) {
                    leaveQueue();
                    sink.success(Outcome.ADMITTED);
                } else {
                    // granted meanwhile (this permit is one too many) or abandoned: pass it on
                    releasePermit();
                }
                return;
            }
            timeout = timer.schedule(this::timedOut, maxWaitNanos, TimeUnit.NANOSECONDS);
            if (state.get() != WAITING) {
                cancelTimeout();
            }
        }

        /** Called by a releaser that polled this ticket: takes the permit if still waiting. */
        boolean grant() {
            if (!state.compareAndSet(WAITING, GRANTED)) {
                return false;
            }
            waiting.decrementAndGet();
            cancelTimeout();
            // if the subscriber has gone meanwhile, the value is dropped and end() gives the permit back
            sink.success(Outcome.ADMITTED);
            return true;
        }

        private void timedOut() {
            if (state.compareAndSet(WAITING, REFUSED)) {
                leaveQueue();
                sink.success(Outcome.WAIT_TIMED_OUT);
            }
        }

        /** The admitted work is about to start; false if the attempt already ended (and gave the permit back). */
        boolean start() {
            return state.compareAndSet(GRANTED, RUNNING);
        }

        /** Once, at the end of the attempt's Mono, however it ended. */
        void end() {
            while (true) {
                int current = state.get();
                if (current == GRANTED || current == RUNNING) {
                    if (state.compareAndSet(current, DONE)) {
                        releasePermit();
                        return;
                    }
                } else if (current == WAITING) {
                    if (state.compareAndSet(WAITING, REFUSED)) {
                        leaveQueue();
                        cancelTimeout();
                        return;
                    }
                } else if (current == NEW) {
                    if (state.compareAndSet(NEW, REFUSED)) {
                        return;
                    }
                } else {
                    return;
                }
            }
        }

        private void leaveQueue() {
            queue.remove(this);
            waiting.decrementAndGet();
        }

        private void cancelTimeout() {
            Disposable scheduled = timeout;
            if (scheduled != null) {
                scheduled.dispose();
            }
        }
    }
}
