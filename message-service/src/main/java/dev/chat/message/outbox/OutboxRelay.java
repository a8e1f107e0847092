package dev.chat.message.outbox;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.chat.shared.event.ChatTopicProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes outbox rows to Kafka and deletes each one once the broker acknowledged it.
 *
 * <p><b>Lanes.</b> Every row is in one of {@link OutboxProperties#LANES} lanes (a hash of its key, so
 * one conversation is in one lane). A lane is relayed by one instance at a time, which holds its lease
 * in {@code outbox_lanes} for one run: batches of the lane's oldest rows, in id order (per conversation
 * this is seq order), until none are left; then it releases the lease. Lanes run in parallel (up to
 * {@code max-concurrent-lanes} per instance) and on any instance, so no single loop carries every
 * conversation. A run is started right after a commit that wrote to the lane ({@link #signal}), and by
 * the sweeper every {@code sweep-interval} for lanes with rows left behind.
 *
 * <p><b>No connection held across the broker.</b> A batch is two short autocommitted statements: claim
 * the lease and read the batch; then, after the broker's acknowledgements (awaited at most
 * {@code publish-timeout}), delete what was acknowledged. Nothing acknowledged is ever sent again by
 * the relay; what was not stays for the next attempt (Kafka may therefore carry an event twice when an
 * acknowledgement is lost; consumers are idempotent).
 *
 * <p><b>Failures.</b> A record the broker refuses for good ({@link PublishFailure#permanent}: too large,
 * not serialisable, not authorised; records above {@code chat.kafka.max-record-bytes} are not even
 * sent) holds up only the later records of its own key: it waits with backoff, and after
 * {@code max-attempts} it is moved to {@code outbox_dead_letters} (metric, log line with the key, health
 * detail), after which its conversation flows again. A transient failure (broker away, timeouts) backs
 * the lane off and retries for ever; nothing is dead-lettered for it.
 */
@Component
class OutboxRelay implements SmartLifecycle, OutboxSignal {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final Duration FIRST_TRANSIENT_BACKOFF = Duration.ofMillis(100);
    private static final Duration TRANSIENT_LOG_INTERVAL = Duration.ofSeconds(30);
    private static final int MAX_BUSY_RETRIES = 2;
    private static final int LANES = OutboxProperties.LANES;

    private final OutboxStore store;
    private final KafkaTemplate<String, String> kafka;
    private final KafkaAdmin admin;
    private final ChatTopicProperties topics;
    private final OutboxProperties properties;
    private final Counter published;
    private final Counter transientFailures;
    private final Counter permanentFailures;
    private final Counter deadLettered;
    private final AtomicReference<OutboxStore.Stats> stats = new AtomicReference<>();

    /** Guards the lane scheduling state below. */
    private final Object lock = new Object();
    /** Queued or running on this instance. */
    private final boolean[] active = new boolean[LANES];
    /** Signalled while active: run once more when the current run ends. */
    private final boolean[] again = new boolean[LANES];
    /** Consecutive transient failures, and until when (nanoTime) the lane waits. */
    private final int[] transientStreak = new int[LANES];
    private final long[] backoffUntil = new long[LANES];
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private int runningLanes;
    private volatile boolean topicsReady = true;
    private volatile long lastTransientLog;

    private volatile String owner;
    private volatile boolean running;
    /** Completes at stop: every run and timer of this start ends with it. */
    private volatile Sinks.Empty<Void> stopped = Sinks.empty();

    OutboxRelay(OutboxStore store, KafkaTemplate<String, String> kafka, KafkaAdmin admin, ChatTopicProperties topics,
            OutboxProperties properties, MeterRegistry meters) {
        this.store = store;
        this.kafka = kafka;
        this.admin = admin;
        this.topics = topics;
        this.properties = properties;
        this.published = meters.counter("chat.outbox.published");
        this.transientFailures = Counter.builder("chat.outbox.failures").tag("kind", "transient")
                .description("Records not published: broker away, timeouts (retried for ever)").register(meters);
        this.permanentFailures = Counter.builder("chat.outbox.failures").tag("kind", "permanent")
                .description("Publish attempts the broker refused for good (dead-lettered after max-attempts)")
                .register(meters);
        this.deadLettered = Counter.builder("chat.outbox.dead_lettered")
                .description("Records moved to outbox_dead_letters").register(meters);
        Gauge.builder("chat.outbox.pending", stats, s -> s.get() == null ? 0 : s.get().pending())
                .description("Rows in the outbox").register(meters);
        Gauge.builder("chat.outbox.waiting", stats, s -> s.get() == null ? 0 : s.get().waiting())
                .description("Rows waiting for a retry after a permanent failure").register(meters);
        Gauge.builder("chat.outbox.oldest.age", stats, s -> s.get() == null ? 0 : s.get().oldestPendingSeconds())
                .baseUnit("seconds").description("Age of the oldest row in the outbox").register(meters);
        Gauge.builder("chat.outbox.dead_letters", stats, s -> s.get() == null ? 0 : s.get().deadLetters())
                .description("Rows in outbox_dead_letters").register(meters);
    }

    /** The latest figures (refreshed by the sweeper), null before the first sweep. */
    OutboxStore.Stats stats() {
        return stats.get();
    }

    // ------------------------------------------------------------------ scheduling

    @Override
    public void signal(int lane) {
        request(lane, 0);
    }

    private void request(int lane, int busyRetries) {
        if (!running) {
            return;
        }
        synchronized (lock) {
            if (System.nanoTime() < backoffUntil[lane]) {
                return; // a timer requests it when the backoff ends
            }
            if (active[lane]) {
                again[lane] = true;
                return;
            }
            active[lane] = true;
            queue.add(lane * (MAX_BUSY_RETRIES + 1) + busyRetries);
        }
        drain();
    }

    private void drain() {
        while (true) {
            int entry;
            synchronized (lock) {
                if (!running || runningLanes >= properties.maxConcurrentLanes() || queue.isEmpty()) {
                    return;
                }
                entry = queue.poll();
                runningLanes++;
            }
            int lane = entry / (MAX_BUSY_RETRIES + 1);
            int busyRetries = entry % (MAX_BUSY_RETRIES + 1);
            String me = owner;
            runLane(lane, me, busyRetries)
                    .onErrorResume(e -> {
                        // the database itself failed (a lease or delete statement): the sweeper tries again
                        log.warn("Outbox lane {} stopped: {}", lane, e.toString());
                        return Mono.empty();
                    })
                    .takeUntilOther(stopped.asMono())
                    .doFinally(signal -> laneDone(lane))
                    .subscribe();
        }
    }

    private void laneDone(int lane) {
        boolean rerun;
        synchronized (lock) {
            runningLanes--;
            active[lane] = false;
            rerun = again[lane];
            again[lane] = false;
        }
        if (rerun) {
            request(lane, 0);
        }
        drain();
    }

    // ------------------------------------------------------------------ one lane

    /** Batches until the lane is empty; ends early when another instance holds it or the broker fails. */
    private Mono<Void> runLane(int lane, String me, int busyRetries) {
        return store.claimBatch(lane, me, properties.leaseTtl(), properties.batchSize())
                .switchIfEmpty(Mono.fromRunnable(() -> busyElsewhere(lane, busyRetries)))
                .flatMap(rows -> rows.isEmpty() ? store.complete(lane, me, List.of(), true)
                        : publish(rows).flatMap(outcome -> settle(lane, me, rows, outcome)));
    }

    /** Another instance relays the lane; it may have read before our commit, so look once or twice more. */
    private void busyElsewhere(int lane, int busyRetries) {
        if (busyRetries < MAX_BUSY_RETRIES) {
            later(properties.busyRetry(), () -> request(lane, busyRetries + 1));
        }
    }

    private Mono<Void> settle(int lane, String me, List<OutboxStore.Row> rows, Outcome outcome) {
        Mono<Void> failures = Flux.fromIterable(outcome.permanent())
                .concatMap(f -> recordPermanentFailure(f.row(), f.failure()))
                .then();
        boolean transientFailure = !outcome.transientFailures().isEmpty();
        boolean more = rows.size() == properties.batchSize() && !transientFailure;
        return failures
                .then(store.complete(lane, me, outcome.acknowledged(), !more))
                .doOnSuccess(done -> {
                    published.increment(outcome.acknowledged().size());
                    if (transientFailure) {
                        transientFailure(lane, outcome);
                    } else {
                        synchronized (lock) {
                            transientStreak[lane] = 0;
                        }
                    }
                })
                .then(Mono.defer(() -> more ? runLane(lane, me, 0) : Mono.empty()));
    }

    private Mono<Void> recordPermanentFailure(OutboxStore.Row row, PublishFailure failure) {
        permanentFailures.increment();
        int attempts = row.attempts() + 1;
        if (attempts >= properties.maxAttempts()) {
            return store.deadLetter(row.id(), failure.reason()).doOnNext(moved -> {
                if (moved) {
                    deadLettered.increment();
                    log.error("Outbox record {} ({} of conversation {}) moved to outbox_dead_letters after {} attempts: {}",
                            row.id(), row.eventType(), row.key(), attempts, failure.reason());
                }
            }).then();
        }
        Duration wait = properties.backoffAfter(attempts);
        log.warn("Outbox record {} ({} of conversation {}) refused (attempt {} of {}), retrying in {}; "
                + "later events of that conversation wait: {}", row.id(), row.eventType(), row.key(), attempts,
                properties.maxAttempts(), wait, failure.reason());
        return store.retryLater(row.id(), wait, failure.reason());
    }

    private void transientFailure(int lane, Outcome outcome) {
        transientFailures.increment(outcome.transientFailures().size());
        topicsReady = false;
        Duration wait;
        synchronized (lock) {
            int streak = ++transientStreak[lane];
            wait = FIRST_TRANSIENT_BACKOFF.multipliedBy(1L << Math.min(streak - 1, 16));
            if (wait.compareTo(properties.maxTransientBackoff()) > 0) {
                wait = properties.maxTransientBackoff();
            }
            backoffUntil[lane] = System.nanoTime() + wait.toNanos();
        }
        long now = System.nanoTime();
        if (now - lastTransientLog > TRANSIENT_LOG_INTERVAL.toNanos()) {
            lastTransientLog = now;
            log.warn("Outbox could not publish {} records (lane {}); retrying in {} and for as long as it takes: {}",
                    outcome.transientFailures().size(), lane, wait, outcome.transientFailures().getFirst().reason());
        }
        later(wait, () -> request(lane, 0));
    }

    private void later(Duration delay, Runnable action) {
        Mono.delay(delay).takeUntilOther(stopped.asMono()).subscribe(t -> action.run());
    }

    // ------------------------------------------------------------------ publishing

    private record Failed(OutboxStore.Row row, PublishFailure failure) {
    }

    /** What became of a batch: acknowledged ids, permanent failures (per row), transient ones. */
    private record Outcome(List<Long> acknowledged, List<Failed> permanent, List<PublishFailure> transientFailures) {
    }

    /**
     * Sends the batch and waits (at most {@code publish-timeout}) for the broker. Conversations are sent
     * in parallel; the records of one conversation one after another, each once the previous one was
     * acknowledged, so that when one fails the later ones of that conversation are not sent at all: they
     * wait with it, and the conversation's order holds.
     */
    private Mono<Outcome> publish(List<OutboxStore.Row> rows) {
        return Mono.fromCallable(() -> send(rows))
                // KafkaAdmin and a first send may block (metadata, topic creation): never on an event loop
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(sending -> Mono.fromFuture(sending.all().handle((ok, error) -> sending))
                        .timeout(properties.publishTimeout(), Mono.just(sending)))
                .map(Sending::outcome);
    }

    private Sending send(List<OutboxStore.Row> rows) {
        ensureTopics();
        Sending sending = new Sending();
        Map<String, CompletableFuture<Boolean>> lastOfKey = new HashMap<>();
        for (OutboxStore.Row row : rows) {
            CompletableFuture<Boolean> previous = lastOfKey.get(row.key());
            CompletableFuture<Result> result = previous == null ? sendOne(row)
                    // a later record of the same conversation: only after the previous one was acknowledged
                    : previous.thenComposeAsync(acknowledged -> acknowledged ? sendOne(row)
                            : CompletableFuture.completedFuture(Result.HELD), LATER);
            sending.add(row, result);
            lastOfKey.put(row.key(), result.thenApply(r -> r == Result.ACKNOWLEDGED));
        }
        return sending;
    }

    /** Sends further records of a conversation off the producer's I/O thread (a send may block there). */
    private static final java.util.concurrent.Executor LATER = task -> Schedulers.boundedElastic().schedule(task);

    private CompletableFuture<Result> sendOne(OutboxStore.Row row) {
        int valueBytes = Outbox.utf8Length(row.payload());
        if (!topics.fits(row.key().length(), valueBytes)) {
            return CompletableFuture.completedFuture(
                    Result.failed(PublishFailure.tooLarge(valueBytes, topics.maxRecordBytes())));
        }
        try {
            return kafka.send(new ProducerRecord<>(row.topic(), row.key(), row.payload()))
                    .handle((ok, error) -> error == null ? Result.ACKNOWLEDGED : Result.failed(PublishFailure.of(error)));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Result.failed(PublishFailure.of(e)));
        }
    }

    /** What became of one record: acknowledged, failed, or held back behind a failed one of its conversation. */
    private record Result(PublishFailure failure) {
        static final Result ACKNOWLEDGED = new Result(null);
        static final Result HELD = new Result(null);

        static Result failed(PublishFailure failure) {
            return new Result(failure);
        }
    }

    /** Creates the topics if an earlier failure suggests they may be missing (the broker was down at start-up). */
    private void ensureTopics() {
        if (!topicsReady) {
            synchronized (this) {
                if (!topicsReady && admin.initialize()) {
                    topicsReady = true;
                }
            }
        }
    }

    /** The records of one batch and their results, in order. */
    private final class Sending {
        private final List<OutboxStore.Row> rows = new ArrayList<>();
        private final List<CompletableFuture<Result>> results = new ArrayList<>();

        void add(OutboxStore.Row row, CompletableFuture<Result> result) {
            rows.add(row);
            results.add(result);
        }

        CompletableFuture<Void> all() {
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new));
        }

        Outcome outcome() {
            List<Long> acknowledged = new ArrayList<>();
            List<Failed> permanent = new ArrayList<>();
            List<PublishFailure> transientOnes = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                CompletableFuture<Result> future = results.get(i);
                if (!future.isDone()) {
                    transientOnes.add(PublishFailure.timedOut("not acknowledged within " + properties.publishTimeout()));
                    continue;
                }
                Result result = future.join();
                if (result == Result.ACKNOWLEDGED) {
                    acknowledged.add(rows.get(i).id());
                } else if (result.failure() != null && result.failure().permanent()) {
                    permanent.add(new Failed(rows.get(i), result.failure()));
                } else if (result.failure() != null) {
                    transientOnes.add(result.failure());
                } // HELD: untouched, it waits with the failed record before it
            }
            return new Outcome(acknowledged, permanent, transientOnes);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start() {
        // a fresh identity and state each time: a lifecycle may be stopped and started again (paused test contexts)
        owner = "message-service-" + UUID.randomUUID();
        synchronized (lock) {
            queue.clear();
            runningLanes = 0;
            for (int lane = 0; lane < LANES; lane++) {
                active[lane] = false;
                again[lane] = false;
                transientStreak[lane] = 0;
                backoffUntil[lane] = 0;
            }
        }
        stopped = Sinks.empty();
        running = true;
        Flux.interval(Duration.ZERO, properties.sweepInterval())
                .onBackpressureDrop()
                .concatMap(tick -> sweep(), 1)
                .takeUntilOther(stopped.asMono())
                .subscribe();
    }

    /** Refreshes the figures and starts a run for every lane with rows that may be published now. */
    private Mono<Void> sweep() {
        return store.stats().doOnNext(stats::set)
                .thenMany(store.lanesWithWork())
                .doOnNext(lane -> request(lane, 0))
                .then()
                .onErrorResume(e -> {
                    log.warn("Outbox sweep failed (database unavailable?): {}", e.toString());
                    return Mono.empty();
                });
    }

    @Override
    public void stop() {
        running = false;
        stopped.tryEmitEmpty();
        String me = owner;
        if (me != null) {
            try {
                store.releaseAll(me).block(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("Could not release outbox lanes at shutdown (they expire by themselves): {}", e.toString());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
