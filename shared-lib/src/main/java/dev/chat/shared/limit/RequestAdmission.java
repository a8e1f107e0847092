package dev.chat.shared.limit;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import org.reactivestreams.Subscription;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Bounded admission of work: at most {@code maxInFlight} units run at once; when all permits are taken, at
 * most {@code maxWaiting} more wait, each at most {@code maxWait}, for one to come free (in arrival order);
 * everything beyond is refused at once, before any of its work ran. Load past the capacity is thereby
 * shed in a bounded time instead of queueing without bound (the timeout pile-up).
 * <p>
 * A permit is given back exactly once however the work ends: it completes, fails, or is cancelled (a client
 * that went away), also while still waiting or in the instant it is admitted. A started work's permit comes
 * back only once that work has ended (a cancelled one, once the cancel has reached it), so no successor runs
 * beside it, not even for an instant. A freed permit passes straight
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
                    .flatMap(outcome -> outcome != Outcome.ADMITTED ? refused.apply(outcome) : ticket.work(work))
                    // every end of the attempt: completion, error, cancellation (while waiting, too)
                    .doFinally(ticket::end);
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
     * its work starts; GRANTED ends DONE when the attempt ends, RUNNING when the work ends, either giving the
     * permit back.
     */
    private final class Ticket {

        private final AtomicInteger state = new AtomicInteger(NEW);
        private volatile MonoSink<Outcome> sink;
        private volatile Disposable timeout;
        private volatile boolean cancelled;
        private volatile Subscription workSubscription;

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

        /**
         * The admitted work, started when it is subscribed, unless the attempt already ended (cancelled in the
         * instant it was admitted; its permit is back). Once started, the work's own end gives the permit back,
         * after the work has been cancelled or has finished: the attempt's end may come first (a cancel racing
         * the start on another thread), and a successor must not start while this work still runs.
         * <p>
         * A cancelled attempt cancels its work itself: flatMap can lose a cancel that races the subscription of
         * its inner Mono (its cancel() gives up when the inner's CAS wins), which would leave a work that never
         * ends holding its permit for good.
         */
        <T> Mono<T> work(Supplier<? extends Mono<T>> work) {
            return Mono.defer(() -> state.compareAndSet(GRANTED, RUNNING) ? work.get() : Mono.<T>empty())
                    .doFinally(signal -> {
                        if (state.compareAndSet(RUNNING, DONE)) {
                            releasePermit();
                        }
                    })
                    // the subscription of the doFinally above: cancelling it runs the release
                    .doOnSubscribe(subscription -> {
                        workSubscription = subscription;
                        if (cancelled) {
                            subscription.cancel();
                        }
                    });
        }

        /** Once, at the end of the attempt's Mono, however it ended. */
        void end(SignalType signal) {
            if (signal == SignalType.CANCEL) {
                // written before workSubscription is read, as doOnSubscribe writes that before reading this
                cancelled = true;
            }
            while (true) {
                int current = state.get();
                if (current == RUNNING) {
                    // the work's own end gives the permit back; make sure a cancel reaches it
                    Subscription subscription = workSubscription;
                    if (cancelled && subscription != null) {
                        subscription.cancel();
                    }
                    return;
                }
                if (current == GRANTED) {
                    // admitted, its work never started and now never will
                    if (state.compareAndSet(GRANTED, DONE)) {
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
