package dev.chat.notification.push;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

import dev.chat.notification.device.DeviceStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Background work on the push tables: replays the dead letters an operator marked
 * ({@code replay_push_dead_letters}), every {@code chat.push.dead-letters.replay-interval}; counts them
 * ({@code chat.push.dead_letters} gauge); deletes dedupe records older than {@code chat.push.log-retention}.
 */
@Component
class PushMaintenance implements SmartInitializingSingleton, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(PushMaintenance.class);
    private static final int REPLAY_BATCH = 100;
    private static final Duration CLEANUP_INTERVAL = Duration.ofMinutes(1);

    private final DeadLetterStore deadLetters;
    private final PushLog pushLog;
    private final DeviceStore devices;
    private final PushDispatcher dispatcher;
    private final PushProperties properties;
    private final AtomicLong deadLetterCount = new AtomicLong();
    private Disposable replays;
    private Disposable cleanup;

    PushMaintenance(DeadLetterStore deadLetters, PushLog pushLog, DeviceStore devices, PushDispatcher dispatcher,
            PushProperties properties, MeterRegistry registry) {
        this.deadLetters = deadLetters;
        this.pushLog = pushLog;
        this.devices = devices;
        this.dispatcher = dispatcher;
        this.properties = properties;
        Gauge.builder("chat.push.dead_letters", deadLetterCount, AtomicLong::get)
                .description("Pushes set aside for good, waiting for an operator (replay or delete)")
                .register(registry);
    }

    long deadLetters() {
        return deadLetterCount.get();
    }

    @Override
    public void afterSingletonsInstantiated() {
        replays = Flux.interval(properties.deadLetters().replayInterval())
                .onBackpressureDrop()
                .concatMap(tick -> replayDue().then(deadLetters.count().doOnNext(deadLetterCount::set))
                        .onErrorResume(e -> {
                            log.debug("Dead letter replay skipped: {}", e.toString());
                            return Mono.empty();
                        }), 0)
                .subscribe();
        cleanup = Flux.interval(CLEANUP_INTERVAL)
                .onBackpressureDrop()
                .concatMap(tick -> pushLog.deleteOlderThan(properties.logRetention(), 10_000)
                        .onErrorResume(e -> Mono.empty()), 0)
                .subscribe();
    }

    /** Sends each dead letter an operator asked to replay, then deletes it (if it fails again it is a new dead letter). */
    Mono<Void> replayDue() {
        return deadLetters.takeReplays(REPLAY_BATCH)
                .concatMap(letter -> devices.find(letter.notification().device().token(),
                                letter.notification().device().userId())
                        .flatMap(device -> Mono.fromFuture(() -> dispatcher.replay(letter, device)).thenReturn(true))
                        .defaultIfEmpty(false)
                        .flatMap(sent -> {
                            if (!sent) {
                                log.info("Dead letter {} dropped: its device is no longer registered to that user", letter.id());
                            }
                            return deadLetters.delete(letter.id());
                        })
                        .onErrorResume(e -> {
                            log.warn("Dead letter {} not replayed (tried again in {}): {}", letter.id(),
                                    DeadLetterStore.REPLAY_LEASE, e.toString());
                            return Mono.empty();
                        }))
                .then();
    }

    @Override
    public void destroy() {
        if (replays != null) {
            replays.dispose();
        }
        if (cleanup != null) {
            cleanup.dispose();
        }
    }
}
