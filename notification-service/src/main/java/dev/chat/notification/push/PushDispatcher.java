package dev.chat.notification.push;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.chat.notification.badge.UnreadStore;
import dev.chat.notification.decision.DecisionResult;
import dev.chat.notification.decision.DueDecisions;
import dev.chat.notification.decision.PendingPush;
import dev.chat.notification.device.Device;
import dev.chat.notification.device.DeviceStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * The façade over the channels: takes due decisions (and badge updates), finds the users' devices, renders
 * each push, claims it in the push log, sends it through the device's {@link PushSender} within that
 * provider's concurrency window, retries transient failures with backoff (honouring Retry-After) on a timer,
 * and records the outcome: sent, token removed, or dead-lettered. Nothing here blocks a thread.
 *
 * <p>A decision is reported done only when every one of its pushes has its outcome recorded; until then its
 * entry stays in the decision's state store, so a crash at any point sends, after the restart, exactly what
 * the push log does not show as handled.
 */
@Component
public class PushDispatcher implements DueDecisions, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(PushDispatcher.class);
    /** When the database failed while planning or recording: take the decision again after this. */
    private static final Duration DATABASE_RETRY = Duration.ofSeconds(2);
    private static final int SENT_BATCH = 1000;
    /** How long the record of an accepted push is retried before its decision is taken again. */
    private static final Duration RECORD_RETRY_FOR = Duration.ofSeconds(15);

    private final PushChannels channels;
    private final DeviceStore devices;
    private final UnreadStore unread;
    private final PushLog pushLog;
    private final DeadLetterStore deadLetters;
    private final PushPayloads payloads;
    private final PushProperties properties;
    private final PushMetrics metrics;
    private final Clock clock;
    /**
     * Claims are owned per dispatch (this process's id and a counter), not per process: a decision taken again
     * while an earlier dispatch of it may still be sending (its task moved away and back) waits for that claim
     * instead of sending a second time.
     */
    private final String owner = "notification-" + UUID.randomUUID();
    private final java.util.concurrent.atomic.AtomicLong dispatches = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("push-timer").factory());
    private final Map<String, ConcurrencyLimiter> limiters = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger deliveries = new AtomicInteger();
    private final Queue<PendingSent> sentQueue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sentFlushScheduled = new AtomicBoolean();

    PushDispatcher(PushChannels channels, DeviceStore devices, UnreadStore unread, PushLog pushLog,
            DeadLetterStore deadLetters, PushPayloads payloads, PushProperties properties, PushMetrics metrics,
            Clock clock, MeterRegistry registry) {
        this.channels = channels;
        this.devices = devices;
        this.unread = unread;
        this.pushLog = pushLog;
        this.deadLetters = deadLetters;
        this.payloads = payloads;
        this.properties = properties;
        this.metrics = metrics;
        this.clock = clock;
        limiters.put("fcm", new ConcurrencyLimiter(properties.fcm().maxConcurrency()));
        limiters.put("apns", new ConcurrencyLimiter(properties.apns().maxConcurrency()));
        Gauge.builder("chat.push.in_flight", inFlight, AtomicInteger::get)
                .description("Messages whose pushes this instance is sending").register(registry);
        limiters.forEach((provider, limiter) -> Gauge.builder("chat.push.queued", limiter, ConcurrencyLimiter::waiting)
                .tag("provider", provider).description("Pushes waiting for a free request slot").register(registry));
    }

    // ---------------------------------------------------------------- alerts (decisions)

    @Override
    public int capacity() {
        return Math.max(0, properties.maxInFlight() - inFlight.get());
    }

    @Override
    public void dispatch(List<PendingPush> due, Consumer<DecisionResult> onResult) {
        inFlight.addAndGet(due.size());
        Consumer<DecisionResult> report = result -> {
            inFlight.decrementAndGet();
            onResult.accept(result);
        };
        plan(due).subscribe(plan -> run(plan, report), error -> {
            log.warn("Could not prepare {} push decisions (retried in {}): {}", due.size(), DATABASE_RETRY, error.toString());
            long at = clock.millis() + DATABASE_RETRY.toMillis();
            due.forEach(entry -> report.accept(DecisionResult.retryAt(entry.key(), at)));
        });
    }

    private record Pair(PendingPush entry, Device device) {
        String target() {
            return entry.messageId() + "|" + device.token();
        }

        String badgeKey() {
            return device.userId() + "|" + entry.key();
        }
    }

    private record Plan(List<PendingPush> due, List<Pair> pairs, Map<String, PushLog.Claim> claims,
            Map<String, Integer> badges, String owner) {
    }

    private Mono<Plan> plan(List<PendingPush> due) {
        String dispatchOwner = owner + "#" + dispatches.incrementAndGet();
        Set<String> users = new LinkedHashSet<>();
        due.forEach(entry -> users.addAll(entry.users()));
        return devices.ofUsers(users).collectMultimap(Device::userId).flatMap(byUser -> {
            List<Pair> pairs = new ArrayList<>();
            for (PendingPush entry : due) {
                for (String user : entry.users()) {
                    for (Device device : byUser.getOrDefault(user, List.of())) {
                        if (channels.senderFor(device) == null) {
                            metrics.skipped(PushChannels.providerOf(device), "channel_disabled");
                        } else {
                            pairs.add(new Pair(entry, device));
                        }
                    }
                }
            }
            if (pairs.isEmpty()) {
                return Mono.just(new Plan(due, pairs, Map.of(), Map.of(), dispatchOwner));
            }
            List<PushLog.Target> targets = PushLog.distinct(pairs.stream()
                    .map(p -> new PushLog.Target(p.entry().messageId(), p.device().token(), p.entry().conversationId(),
                            p.entry().seq(), p.device().userId(), PushChannels.providerOf(p.device())))
                    .toList());
            Map<String, Pair> badgeQueries = new LinkedHashMap<>();
            pairs.forEach(p -> badgeQueries.putIfAbsent(p.badgeKey(), p));
            Mono<Map<String, Integer>> badges = unread.alertBadges(
                    badgeQueries.values().stream().map(p -> p.device().userId()).toList(),
                    badgeQueries.values().stream().map(p -> p.entry().conversationId()).toList(),
                    badgeQueries.values().stream().map(p -> p.entry().seq()).toList())
                    .collectMap(b -> b.userId() + "|" + PendingPush.key(b.conversationId(), b.seq()), UnreadStore.AlertBadge::badge);
            Mono<Map<String, PushLog.Claim>> claims = pushLog.claim(targets, dispatchOwner, properties.claimTtl())
                    .collectMap(c -> c.messageId() + "|" + c.token());
            return Mono.zip(claims, badges).map(t -> new Plan(due, pairs, t.getT1(), t.getT2(), dispatchOwner));
        });
    }

    private void run(Plan plan, Consumer<DecisionResult> report) {
        Map<String, List<Pair>> byEntry = new HashMap<>();
        plan.pairs().forEach(p -> byEntry.computeIfAbsent(p.entry().key(), k -> new ArrayList<>()).add(p));
        for (PendingPush entry : plan.due()) {
            Tracker tracker = new Tracker(entry.key(), report);
            Set<String> started = new java.util.HashSet<>();
            for (Pair pair : byEntry.getOrDefault(entry.key(), List.of())) {
                if (!started.add(pair.target())) {
                    continue;
                }
                PushLog.Claim claim = plan.claims().get(pair.target());
                if (claim != null && claim.mine()) {
                    tracker.started();
                    try {
                        PushNotification alert = payloads.alert(entry, pair.device(), plan.badges().get(pair.badgeKey()));
                        deliver(alert, plan.owner(), 1, clock.instant())
                                .whenComplete((ok, error) -> tracker.finished(error));
                    } catch (RuntimeException e) {
                        tracker.finished(e); // a bug here must not leave the decision in flight for ever
                    }
                } else if (claim != null && "claimed".equals(claim.state())) {
                    tracker.busyUntil(claim.claimedUntil());
                } else {
                    metrics.skipped(PushChannels.providerOf(pair.device()), "already_sent");
                }
            }
            tracker.seal();
        }
    }

    /** Counts one decision's pushes; reports it once all have their outcome. */
    private final class Tracker {
        private final String key;
        private final Consumer<DecisionResult> report;
        private final AtomicInteger outstanding = new AtomicInteger(1);
        private final AtomicBoolean failed = new AtomicBoolean();
        private final AtomicReference<Instant> busyUntil = new AtomicReference<>();

        Tracker(String key, Consumer<DecisionResult> report) {
            this.key = key;
            this.report = report;
        }

        void started() {
            outstanding.incrementAndGet();
        }

        void busyUntil(Instant until) {
            Instant at = until == null ? clock.instant().plus(properties.claimTtl()) : until;
            busyUntil.accumulateAndGet(at, (a, b) -> a == null || b.isAfter(a) ? b : a);
        }

        void finished(Throwable error) {
            if (error != null) {
                failed.set(true);
                log.warn("Could not record a push outcome of {} (taken again in {}): {}", key, DATABASE_RETRY, error.toString());
            }
            seal();
        }

        void seal() {
            if (outstanding.decrementAndGet() != 0) {
                return;
            }
            if (failed.get()) {
                report.accept(DecisionResult.retryAt(key, clock.millis() + DATABASE_RETRY.toMillis()));
            } else if (busyUntil.get() != null) {
                // another instance holds a claim (e.g. it owned this partition before a rebalance): look again then
                report.accept(DecisionResult.retryAt(key, busyUntil.get().toEpochMilli() + 100));
            } else {
                report.accept(DecisionResult.done(key));
            }
        }
    }

    // ---------------------------------------------------------------- read / withdraw (badge updates)

    /** Sends badge updates and withdrawals (no dedupe: they are idempotent on the device). */
    public void sendUpdates(Collection<PushNotification> updates) {
        for (PushNotification update : updates) {
            if (channels.senderFor(update.device()) == null) {
                metrics.skipped(PushChannels.providerOf(update.device()), "channel_disabled");
                continue;
            }
            deliver(update, null, 1, clock.instant()).whenComplete((ok, error) -> {
                if (error != null) {
                    log.warn("Could not record the outcome of a {} push: {}", update.kind(), error.toString());
                }
            });
        }
    }

    /** Sends a dead letter again; completes when its outcome is recorded (dead-lettered again if it fails again). */
    CompletableFuture<Void> replay(DeadLetterStore.DeadLetter letter, Device current) {
        PushNotification n = letter.notification().withDevice(current);
        if (channels.senderFor(current) == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    PushChannels.providerOf(current) + " is disabled"));
        }
        if (n.kind() != PushNotification.Kind.ALERT) {
            return deliver(n, null, 1, clock.instant());
        }
        String replayOwner = owner + "#replay-" + letter.id();
        return pushLog.reclaimDead(n.messageId(), current.token(), replayOwner, properties.claimTtl()).toFuture()
                .thenCompose(claimed -> claimed ? deliver(n, replayOwner, 1, clock.instant())
                        : CompletableFuture.<Void>completedFuture(null));
    }

    // ---------------------------------------------------------------- one push, with retries

    /** @param claimOwner the owner of the alert's push_log claim (null for updates, which are not claimed) */
    private CompletableFuture<Void> deliver(PushNotification n, String claimOwner, int attempt, Instant firstAttempt) {
        PushSender sender = channels.senderFor(n.device());
        String provider = sender.provider();
        deliveries.incrementAndGet();
        return limiters.get(provider).submit(() -> sender.send(n))
                .exceptionally(error -> new SendResult.Retryable(error.getClass().getSimpleName(), null))
                .thenCompose(result -> outcome(n, claimOwner, provider, result, attempt, firstAttempt))
                .whenComplete((ok, error) -> deliveries.decrementAndGet());
    }

    private CompletableFuture<Void> outcome(PushNotification n, String claimOwner, String provider, SendResult result,
            int attempt, Instant firstAttempt) {
        boolean alert = n.kind() == PushNotification.Kind.ALERT;
        switch (result) {
            case SendResult.Delivered delivered -> {
                metrics.sent(provider, n.kind());
                if (alert) {
                    return recordSent(new PushLog.Sent(n.messageId(), n.device().token(), delivered.providerId(),
                            n.device().ios() ? n.badge() : null, n.device().userId(), n.conversationId(), n.seq()));
                }
                if (n.device().ios() && n.badge() != null) {
                    return devices.badgesSet(List.of(n.device().token()), List.of(n.badge())).then().toFuture();
                }
                return CompletableFuture.completedFuture(null);
            }
            case SendResult.InvalidToken invalid -> {
                metrics.failed(provider, n.kind(), invalid.reason());
                metrics.invalidToken(provider, invalid.reason());
                log.info("{} says token {}… of user {} is invalid ({}): device removed", provider,
                        abbreviate(n.device().token()), n.device().userId(), invalid.reason());
                Mono<Void> removed = devices.remove(List.of(n.device().token())).then();
                return (alert ? removed.then(pushLog.ended(n.messageId(), n.device().token(), "invalid")) : removed)
                        .toFuture();
            }
            case SendResult.Retryable retryable -> {
                metrics.failed(provider, n.kind(), retryable.reason());
                PushProperties.Retry policy = properties.retry();
                boolean waitTooLong = retryable.retryAfter() != null
                        && retryable.retryAfter().compareTo(policy.maxRetryAfter()) > 0;
                if (attempt >= policy.maxAttempts() || waitTooLong) {
                    return deadLetter(n, provider, retryable.reason(), attempt, firstAttempt);
                }
                metrics.retried(provider, n.kind(), retryable.reason());
                Duration wait = policy.backoff(attempt, retryable.retryAfter());
                Mono<Long> keepClaim = alert
                        ? pushLog.extend(n.messageId(), n.device().token(), claimOwner, wait.plus(properties.claimTtl()))
                        : Mono.just(0L);
                return keepClaim.toFuture().thenCompose(ignored -> later(wait))
                        .thenCompose(ignored -> deliver(n, claimOwner, attempt + 1, firstAttempt));
            }
            case SendResult.Failed failed -> {
                metrics.failed(provider, n.kind(), failed.reason());
                return deadLetter(n, provider, failed.reason(), attempt, firstAttempt);
            }
        }
    }

    private CompletableFuture<Void> deadLetter(PushNotification n, String provider, String reason, int attempts,
            Instant firstAttempt) {
        metrics.deadLettered(provider, n.kind(), reason);
        log.warn("{} push to {}… of user {} dead-lettered after {} attempt(s): {}", n.kind(),
                abbreviate(n.device().token()), n.device().userId(), attempts, reason);
        Mono<Void> stored = deadLetters.add(n, provider, reason, attempts, firstAttempt);
        if (n.kind() == PushNotification.Kind.ALERT) {
            stored = stored.then(pushLog.ended(n.messageId(), n.device().token(), "dead"));
        }
        return stored.toFuture();
    }

    private CompletableFuture<Void> later(Duration wait) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        timer.schedule(() -> done.complete(null), wait.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

    // ---------------------------------------------------------------- sent alerts, recorded in batches

    private record PendingSent(PushLog.Sent sent, CompletableFuture<Void> recorded) {
    }

    /**
     * Accepted alerts are marked in the push log a few milliseconds later, many in one statement, by one writer
     * at a time (batches grow with the load; concurrent writers of the same rows could deadlock). A write that
     * fails is retried (it is idempotent) for up to {@link #RECORD_RETRY_FOR}: an accepted push must not be sent
     * again because its record was late. Only after that is the decision taken again (and the push repeated).
     */
    private CompletableFuture<Void> recordSent(PushLog.Sent sent) {
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        sentQueue.add(new PendingSent(sent, recorded));
        scheduleFlush(5);
        return recorded;
    }

    private void scheduleFlush(long delayMillis) {
        if (sentFlushScheduled.compareAndSet(false, true)) {
            timer.schedule(this::flushSent, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void flushSent() {
        List<PendingSent> batch = new ArrayList<>();
        PendingSent next;
        while (batch.size() < SENT_BATCH && (next = sentQueue.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            sentFlushScheduled.set(false);
            if (!sentQueue.isEmpty()) {
                scheduleFlush(0);
            }
            return;
        }
        writeSent(batch, 1, System.nanoTime() + RECORD_RETRY_FOR.toNanos());
    }

    private void writeSent(List<PendingSent> batch, int attempt, long giveUpAt) {
        pushLog.sent(batch.stream().map(PendingSent::sent).toList()).subscribe(null, error -> {
            if (System.nanoTime() < giveUpAt) {
                long wait = Math.min(2000, 50L << Math.min(attempt, 6));
                log.debug("Recording {} sent pushes failed (attempt {}, again in {} ms): {}", batch.size(), attempt, wait,
                        error.toString());
                timer.schedule(() -> writeSent(batch, attempt + 1, giveUpAt), wait, TimeUnit.MILLISECONDS);
            } else {
                batch.forEach(p -> p.recorded().completeExceptionally(error));
                flushDone();
            }
        }, () -> {
            batch.forEach(p -> p.recorded().complete(null));
            flushDone();
        });
    }

    /** The one writer is free again: the next batch (what arrived meanwhile) goes at once. */
    private void flushDone() {
        sentFlushScheduled.set(false);
        if (!sentQueue.isEmpty()) {
            scheduleFlush(0);
        }
    }

    private static String abbreviate(String token) {
        return token.length() <= 8 ? token : token.substring(0, 8);
    }

    /** Lets sends under way finish (at most 10 s) before the database and the channels close. */
    @Override
    public void destroy() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((deliveries.get() > 0 || !sentQueue.isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        timer.shutdownNow();
    }
}
