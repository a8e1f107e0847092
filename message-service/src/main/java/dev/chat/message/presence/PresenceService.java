package dev.chat.message.presence;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;

import dev.chat.shared.event.PresenceSignal;
import dev.chat.shared.event.PresenceUpdate;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Presence aggregated per user across nodes and devices (ARCHITECTURE decision 8). Websocket nodes
 * report sessions up and down and a heartbeat on {@code chat.presence}; the state (sessions per user and
 * node, node heartbeats, each user's online flag and last_seen_at) is kept in PostgreSQL, so it survives
 * restarts and rebalances and any instance can expire a dead node. When a user's state flips, one
 * {@link PresenceUpdate} goes to {@code chat.presence.updates} (no recipient list: nodes deliver it to the
 * sessions that subscribed to that user, and to nobody else).
 *
 * <p>A node that stops heartbeating for {@code node-timeout} is dead: every instance looks every
 * {@code check-interval}, so a killed node's users are offline within their sum (15 s + 5 s).
 */
@Service
class PresenceService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PresenceService.class);

    private final PresenceStore store;
    private final KafkaTemplate<String, String> kafka;
    private final PresenceProperties properties;
    private final Counter updates;
    private final Counter expiredNodes;
    private volatile Disposable expiry;

    PresenceService(PresenceStore store, KafkaTemplate<String, String> kafka, PresenceProperties properties,
            MeterRegistry meters) {
        this.store = store;
        this.kafka = kafka;
        this.properties = properties;
        this.updates = Counter.builder("chat.presence.updates").description("presence.updated published").register(meters);
        this.expiredNodes = Counter.builder("chat.presence.nodes.expired")
                .description("websocket nodes declared dead after their heartbeats stopped").register(meters);
    }

    /** Applies one batch of node signals (session up/down, heartbeats, node down) and publishes what flipped. */
    Mono<Void> apply(List<PresenceSignal> signals) {
        Instant now = ChatJson.truncate(Instant.now());
        Map<List<String>, Integer> deltas = new HashMap<>();
        Set<String> alive = new LinkedHashSet<>();
        Set<String> down = new LinkedHashSet<>();
        Set<String> users = new LinkedHashSet<>();
        for (PresenceSignal signal : signals) {
            switch (signal.type()) {
                case PresenceSignal.SESSION_UP -> {
                    deltas.merge(List.of(signal.userId(), signal.nodeId()), 1, Integer::sum);
                    users.add(signal.userId());
                    alive.add(signal.nodeId());
                }
                case PresenceSignal.SESSION_DOWN -> {
                    deltas.merge(List.of(signal.userId(), signal.nodeId()), -1, Integer::sum);
                    users.add(signal.userId());
                }
                case PresenceSignal.NODE_HEARTBEAT -> alive.add(signal.nodeId());
                case PresenceSignal.NODE_DOWN -> down.add(signal.nodeId());
                default -> {
                    // a newer kind of signal: not ours to interpret
                }
            }
        }
        alive.removeAll(down);
        List<PresenceStore.Delta> changes = new ArrayList<>();
        deltas.forEach((key, delta) -> {
            if (delta != 0 && !down.contains(key.get(1))) {
                changes.add(new PresenceStore.Delta(key.get(0), key.get(1), delta));
            }
        });
        return store.heartbeat(alive, now)
                .then(store.applySessions(changes))
                .thenMany(store.removeNodes(down))
                .collect(() -> users, Set::add)
                .flatMapMany(affected -> store.refresh(affected, now))
                .collectList()
                .flatMap(this::publish);
    }

    /** Declares dead the nodes whose heartbeats stopped, and publishes who went offline with them. */
    Mono<Void> expireDeadNodes() {
        return store.expireNodes(properties.nodeTimeout())
                .collect(LinkedHashSet<String>::new, Set::add)
                .flatMap(users -> {
                    if (users.isEmpty()) {
                        return Mono.empty();
                    }
                    expiredNodes.increment();
                    log.info("A websocket node stopped heartbeating: ending its sessions of {} users", users.size());
                    return store.refresh(users, ChatJson.truncate(Instant.now())).collectList().flatMap(this::publish);
                });
    }

    /** Publishes the flips and completes when the broker has them (or failed: the state is stored either way). */
    private Mono<Void> publish(Collection<PresenceUpdate> flips) {
        if (flips.isEmpty()) {
            return Mono.empty();
        }
        return Flux.fromIterable(flips)
                .flatMap(update -> Mono.fromFuture(() -> kafka.send(new ProducerRecord<>(Topics.CHAT_PRESENCE_UPDATES,
                                update.userId(), ChatJson.mapper().writeValueAsString(update))))
                        .doOnSuccess(sent -> updates.increment())
                        .onErrorResume(e -> {
                            // subscribers get the current state when they subscribe again; nothing else is lost
                            log.warn("presence.updated for a user not published: {}", e.toString());
                            return Mono.empty();
                        }))
                .then();
    }

    @Override
    public void start() {
        Duration every = properties.checkInterval();
        expiry = Flux.interval(every, every, Schedulers.boundedElastic())
                .onBackpressureDrop()
                .concatMap(tick -> expireDeadNodes().onErrorResume(e -> {
                    log.warn("Presence expiry failed (database unavailable?): {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = expiry;
        if (running != null) {
            running.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return expiry != null && !expiry.isDisposed();
    }
}
