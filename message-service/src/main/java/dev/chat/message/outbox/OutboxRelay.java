package dev.chat.message.outbox;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes outbox rows to Kafka, oldest first, and deletes them once Kafka has acknowledged them.
 *
 * <p>It runs right after each commit ({@link #signal()}) and every {@code sweep-interval} (the
 * sweeper), one run at a time; signals that arrive during a run coalesce into one more run. A run
 * holds a transaction-scoped advisory lock, so among several instances only one publishes at a
 * time and rows are sent in id order, which for one conversation is seq order. A failure (Kafka
 * down) rolls back: the rows stay and a later run sends them again. Kafka may therefore carry an
 * event twice; consumers are idempotent.
 */
@Component
class OutboxRelay implements SmartLifecycle, OutboxSignal {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    /** Arbitrary, fixed: the advisory lock id of the outbox relay. */
    private static final long LOCK_ID = 0x636861745f6f7574L;
    private static final Duration LOCK_BUSY_RETRY = Duration.ofMillis(50);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final KafkaTemplate<String, String> kafka;
    private final KafkaAdmin admin;
    private final OutboxProperties properties;
    private final Counter published;
    private final Counter failures;
    private volatile Sinks.Many<Boolean> signals = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicBoolean topicsReady = new AtomicBoolean(true);
    private volatile Disposable loop;

    OutboxRelay(DatabaseClient db, TransactionalOperator tx, KafkaTemplate<String, String> kafka, KafkaAdmin admin,
            OutboxProperties properties, MeterRegistry meters) {
        this.db = db;
        this.tx = tx;
        this.kafka = kafka;
        this.admin = admin;
        this.properties = properties;
        this.published = meters.counter("chat.outbox.published");
        this.failures = meters.counter("chat.outbox.failures");
    }

    @Override
    public void signal() {
        signals.emitNext(Boolean.TRUE, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }

    @Override
    public void start() {
        // a fresh sink each time: a lifecycle may be stopped and started again (e.g. paused test contexts)
        signals = Sinks.many().unicast().onBackpressureBuffer();
        loop = Flux.merge(signals.asFlux(), Flux.interval(properties.sweepInterval()).map(tick -> Boolean.FALSE))
                .onBackpressureLatest()
                .concatMap(trigger -> relayAll(), 1)
                .subscribe();
        signal();
    }

    @Override
    public void stop() {
        Disposable running = loop;
        if (running != null) {
            running.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable running = loop;
        return running != null && !running.isDisposed();
    }

    /** Runs batches until the outbox is empty; never errors (the next run retries). */
    private Mono<Void> relayAll() {
        return relayBatch()
                .expand(sent -> sent == properties.batchSize() ? relayBatch() : Mono.empty())
                .then()
                .onErrorResume(e -> {
                    failures.increment();
                    topicsReady.set(false);
                    log.warn("Outbox relay could not publish; will retry in {}: {}", properties.sweepInterval(),
                            e.toString());
                    return Mono.empty();
                });
    }

    /** One transaction: lock, read a batch, publish it and wait for Kafka's acks, delete it. */
    private Mono<Integer> relayBatch() {
        Mono<Integer> batch = db.sql("SELECT pg_try_advisory_xact_lock(:lock)")
                .bind("lock", LOCK_ID)
                .map(row -> Boolean.TRUE.equals(row.get(0, Boolean.class)))
                .one()
                .flatMap(locked -> locked ? publishPending() : Mono.just(-1));
        return tx.transactional(batch).doOnNext(sent -> {
            if (sent < 0) {
                // another instance is relaying; look again shortly in case it read before our commit
                Mono.delay(LOCK_BUSY_RETRY).subscribe(t -> signal());
            }
        });
    }

    private Mono<Integer> publishPending() {
        return db.sql("SELECT id, topic, event_key, payload FROM outbox ORDER BY id LIMIT :limit")
                .bind("limit", properties.batchSize())
                .map(row -> new Row(row.get("id", Long.class), row.get("topic", String.class),
                        row.get("event_key", String.class), row.get("payload", String.class)))
                .all()
                .collectList()
                .flatMap(rows -> rows.isEmpty() ? Mono.just(0)
                        : send(rows)
                                .then(db.sql("DELETE FROM outbox WHERE id = ANY(:ids)")
                                        .bind("ids", rows.stream().map(Row::id).toArray(Long[]::new))
                                        .fetch().rowsUpdated())
                                .doOnNext(deleted -> published.increment(rows.size()))
                                .thenReturn(rows.size()));
    }

    /** Sends in order and completes when Kafka acknowledged every record. */
    private Mono<Void> send(List<Row> rows) {
        return Mono.fromCallable(() -> {
            // both calls may block (topic creation, metadata): never on an event-loop thread
            if (!topicsReady.get() && admin.initialize()) {
                topicsReady.set(true);
            }
            return rows.stream()
                    .map(r -> kafka.send(new ProducerRecord<>(r.topic(), r.key(), r.payload())))
                    .toArray(CompletableFuture[]::new);
        })
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(futures -> Mono.fromFuture(CompletableFuture.allOf(futures)));
    }

    private record Row(long id, String topic, String key, String payload) {
    }
}
