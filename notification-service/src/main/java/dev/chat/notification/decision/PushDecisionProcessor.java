package dev.chat.notification.decision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.chat.notification.push.PushProperties;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;

/**
 * The push decision for one partition (one task): partition p of {@code chat.events} and partition p of
 * {@code chat.signals}, which carry the same conversations (same key, same partition count).
 *
 * <ul>
 * <li>{@code message.created}: the recipients who want a push ({@link PushAudience}) and have not acked or
 *     read that far get a pending entry, due at the event's broker timestamp + grace period.</li>
 * <li>{@code ack} / {@code read} signals and {@code receipt.updated} events raise the (conversation, user)
 *     watermarks and take that user off every pending entry they cover.</li>
 * <li>{@code message.updated} refreshes a pending entry's content; {@code message.deleted} drops it.</li>
 * <li>A wall-clock punctuator hands due entries to {@link DueDecisions} and applies what it reported.</li>
 * </ul>
 *
 * <p>State lives in two persistent stores with changelog topics, so a restarted or moved task continues
 * where the last commit left it, and the input after that commit is processed again (idempotent: an entry
 * that exists is kept, watermarks only rise). An entry is deleted only after its sends are recorded in the
 * push log, so a crash in between sends again what the log does not show as sent.
 *
 * <p>"Due" is judged against what this task has seen: while it processes a backlog, a deadline counts as
 * passed only once records with later broker timestamps were processed, so acks waiting in the backlog
 * are never overtaken by their push. When nothing arrives (caught up), the wall clock decides.
 */
final class PushDecisionProcessor implements Processor<String, byte[], Void, Void> {

    private static final Logger log = LoggerFactory.getLogger(PushDecisionProcessor.class);
    static final String PENDING = "push-pending";
    static final String WATERMARKS = "push-watermarks";
    private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
    private static final int SWEEP_BATCH = 1000;

    private record Due(long deadline, String key) {
    }

    private final PushProperties properties;
    private final PushAudience audience;
    private final DueDecisions sink;
    private final DecisionMetrics metrics;

    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, PendingPush> pending;
    private KeyValueStore<String, Watermark> watermarks;
    /** Entries not in flight, by deadline; {@link #deadlines} is its reverse index. */
    private final TreeSet<Due> schedule = new TreeSet<>(Comparator.comparingLong(Due::deadline).thenComparing(Due::key));
    private final Map<String, Long> deadlines = new HashMap<>();
    private final Set<String> inFlight = new HashSet<>();
    private final Queue<DecisionResult> results = new ConcurrentLinkedQueue<>();
    private volatile int pendingCount;
    private long maxRecordTimestamp;
    private int processedSinceTick;
    private long nextSweep;
    private String sweepCursor;

    PushDecisionProcessor(PushProperties properties, PushAudience audience, DueDecisions sink, DecisionMetrics metrics) {
        this.properties = properties;
        this.audience = audience;
        this.sink = sink;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.pending = context.getStateStore(PENDING);
        this.watermarks = context.getStateStore(WATERMARKS);
        try (KeyValueIterator<String, PendingPush> all = pending.all()) {
            all.forEachRemaining(kv -> scheduleAt(kv.key, kv.value.deadline()));
        }
        updateCount();
        nextSweep = context.currentSystemTimeMs() + SWEEP_INTERVAL.toMillis();
        metrics.attach(this);
        context.schedule(properties.tick(), PunctuationType.WALL_CLOCK_TIME, this::tick);
        if (!schedule.isEmpty()) {
            log.info("Task {}: {} pending push decisions restored", context.taskId(), schedule.size());
        }
    }

    @Override
    public void close() {
        metrics.detach(this);
    }

    int pendingCount() {
        return pendingCount;
    }

    // ---------------------------------------------------------------- input

    @Override
    public void process(Record<String, byte[]> record) {
        processedSinceTick++;
        if (record.timestamp() > maxRecordTimestamp) {
            maxRecordTimestamp = record.timestamp();
        }
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(Topics.CHAT_EVENTS);
        if (record.value() == null) {
            return;
        }
        try {
            if (Topics.CHAT_SIGNALS.equals(topic)) {
                onSignal(ChatJson.mapper().readValue(record.value(), ChatSignal.class));
            } else {
                onEvent(EventView.parse(record.value()), record.timestamp());
            }
        } catch (RuntimeException e) {
            // a record we cannot read must not stop the decisions of its partition
            metrics.skipped("unreadable");
            log.warn("Skipped an unreadable record of {} (key {}): {}", topic, record.key(), e.toString());
        }
    }

    private void onEvent(EventView event, long timestamp) {
        if (event.version() > ChatEvent.CURRENT_VERSION) {
            metrics.skipped("unknown_version");
            return;
        }
        switch (event.type()) {
            case EventTypes.MESSAGE_CREATED -> onCreated(event, timestamp);
            case EventTypes.MESSAGE_UPDATED -> onUpdated(event);
            case EventTypes.MESSAGE_DELETED -> onDeleted(event);
            case EventTypes.RECEIPT_UPDATED -> {
                EventView.Frame frame = event.frame();
                if (frame != null && frame.userId() != null) {
                    raise(event.conversationId(), frame.userId(), frame.deliveredSeq() == null ? 0 : frame.deliveredSeq(),
                            frame.readSeq() == null ? 0 : frame.readSeq());
                }
            }
            default -> {
                // conversation.updated, typing.updated and types to come: nothing to decide
            }
        }
    }

    private void onSignal(ChatSignal signal) {
        if (signal.version() > ChatSignal.CURRENT_VERSION || signal.seq() == null || signal.userId() == null
                || signal.conversationId() == null) {
            return;
        }
        switch (signal.type()) {
            case ChatSignal.ACK -> raise(signal.conversationId(), signal.userId(), signal.seq(), 0);
            case ChatSignal.READ -> raise(signal.conversationId(), signal.userId(), signal.seq(), signal.seq());
            default -> {
                // typing: not a delivery
            }
        }
    }

    private void onCreated(EventView event, long timestamp) {
        EventView.MessageView message = event.message();
        if (message == null || message.deleted() || message.id() == null) {
            return;
        }
        long seq = event.messageSeq();
        String key = PendingPush.key(event.conversationId(), seq);
        if (pending.get(key) != null) {
            return; // a redelivered event: its decision is already pending
        }
        long now = context.currentSystemTimeMs();
        long receivedAt = timestamp > 0 ? timestamp : now;
        List<String> users = new ArrayList<>();
        int acked = 0;
        int read = 0;
        for (String user : audience.of(event)) {
            Watermark w = watermarks.get(watermarkKey(event.conversationId(), user));
            if (w != null && w.read() >= seq) {
                read++;
            } else if (w != null && w.delivered() >= seq) {
                acked++;
            } else {
                users.add(user);
            }
        }
        metrics.decided("acked", acked);
        metrics.decided("read", read);
        if (users.isEmpty()) {
            return;
        }
        if (now - receivedAt > properties.maxAge().toMillis()) {
            metrics.decided("expired", users.size());
            return;
        }
        Preview preview = Preview.of(message.content(), properties.previewLength());
        ChatEvent.ConversationSummary conversation = event.conversation();
        PendingPush entry = new PendingPush(event.conversationId(), seq, message.id(), message.senderId(),
                message.senderName(), message.type(), preview.text(), preview.truncated(),
                conversation == null ? null : conversation.type(), conversation == null ? null : conversation.title(),
                users, receivedAt + properties.gracePeriod().toMillis(), receivedAt);
        put(entry);
    }

    private void onUpdated(EventView event) {
        EventView.MessageView message = event.message();
        if (message == null) {
            return;
        }
        String key = PendingPush.key(event.conversationId(), event.messageSeq());
        PendingPush entry = pending.get(key);
        if (entry != null && message.id().equals(entry.messageId())) {
            Preview preview = Preview.of(message.content(), properties.previewLength());
            put(entry.withContent(message.type(), preview.text(), preview.truncated()));
        }
    }

    private void onDeleted(EventView event) {
        long seq = event.messageSeq();
        String key = PendingPush.key(event.conversationId(), seq);
        PendingPush entry = pending.get(key);
        if (entry != null) {
            metrics.decided("deleted", entry.users().size());
            remove(key);
        }
    }

    /** A user's devices have delivered (and maybe read) up to these seqs: they need no push at or below. */
    private void raise(UUID conversationId, String user, long delivered, long read) {
        String wKey = watermarkKey(conversationId, user);
        Watermark before = watermarks.get(wKey);
        long d = Math.max(delivered, read);
        Watermark after = before == null ? new Watermark(d, read, context.currentSystemTimeMs())
                : new Watermark(Math.max(before.delivered(), d), Math.max(before.read(), read), context.currentSystemTimeMs());
        if (before == null || after.delivered() > before.delivered() || after.read() > before.read()) {
            watermarks.put(wKey, after);
        } else {
            return;
        }
        List<KeyValue<String, PendingPush>> covered = new ArrayList<>();
        try (KeyValueIterator<String, PendingPush> range = pending.range(PendingPush.key(conversationId, 0),
                PendingPush.key(conversationId, after.covered()))) {
            range.forEachRemaining(covered::add);
        }
        for (KeyValue<String, PendingPush> kv : covered) {
            PendingPush entry = kv.value;
            if (!entry.users().contains(user)) {
                continue;
            }
            metrics.decided(after.read() >= entry.seq() ? "read" : "acked", 1);
            List<String> remaining = entry.users().stream().filter(u -> !u.equals(user)).toList();
            if (remaining.isEmpty() && !inFlight.contains(kv.key)) {
                remove(kv.key);
            } else {
                put(entry.withUsers(remaining));
            }
        }
    }

    // ---------------------------------------------------------------- decisions

    private void tick(long now) {
        applyResults();
        // while records arrive, time is what they say (a backlog's acks come before the deadlines they beat);
        // when none arrived since the last tick, this task is caught up and the wall clock decides
        long horizon = processedSinceTick > 0 ? Math.min(now, maxRecordTimestamp) : now;
        processedSinceTick = 0;
        int room = sink.capacity();
        List<PendingPush> due = new ArrayList<>();
        while (!schedule.isEmpty() && room > due.size() && schedule.first().deadline() <= horizon) {
            Due next = schedule.pollFirst();
            deadlines.remove(next.key());
            PendingPush entry = pending.get(next.key());
            if (entry == null) {
                continue;
            }
            if (entry.users().isEmpty()) {
                remove(next.key());
                continue;
            }
            if (now - entry.receivedAt() > properties.maxAge().toMillis()) {
                metrics.decided("expired", entry.users().size());
                remove(next.key());
                continue;
            }
            inFlight.add(next.key());
            metrics.lag(now - next.deadline());
            metrics.decided("pushed", entry.users().size());
            due.add(entry);
        }
        if (!due.isEmpty()) {
            sink.dispatch(due, results::add);
        }
        if (now >= nextSweep) {
            nextSweep = now + SWEEP_INTERVAL.toMillis();
            sweepWatermarks(now);
        }
        // a result for an entry removed while in flight (deleted, or every user acked), or a due key whose entry is
        // gone, leaves the sets without a put or remove: count them again, or the count stays one too high
        updateCount();
    }

    /** What the dispatcher reported since the last tick: done entries are deleted, others taken again later. */
    private void applyResults() {
        DecisionResult result;
        while ((result = results.poll()) != null) {
            if (!inFlight.remove(result.key())) {
                continue;
            }
            PendingPush entry = pending.get(result.key());
            if (entry == null) {
                continue;
            }
            if (result.isDone() || entry.users().isEmpty()) {
                remove(result.key());
            } else {
                put(entry.withDeadline(result.retryAt()));
            }
        }
    }

    /** Forgets watermarks that did not move for {@code chat.push.watermark-retention}, a slice per minute. */
    private void sweepWatermarks(long now) {
        long cutoff = now - properties.watermarkRetention().toMillis();
        List<String> stale = new ArrayList<>();
        String last = null;
        int seen = 0;
        try (KeyValueIterator<String, Watermark> it = sweepCursor == null ? watermarks.all()
                : watermarks.range(sweepCursor, null)) {
            while (it.hasNext() && seen < SWEEP_BATCH) {
                KeyValue<String, Watermark> kv = it.next();
                seen++;
                last = kv.key;
                if (kv.value.updatedAt() < cutoff) {
                    stale.add(kv.key);
                }
            }
            sweepCursor = it.hasNext() ? it.peekNextKey() : null;
        }
        stale.forEach(watermarks::delete);
        if (!stale.isEmpty()) {
            log.debug("Forgot {} quiet watermarks (up to {})", stale.size(), last);
        }
    }

    // ---------------------------------------------------------------- store helpers

    private void put(PendingPush entry) {
        pending.put(entry.key(), entry);
        if (!inFlight.contains(entry.key())) {
            scheduleAt(entry.key(), entry.deadline());
        }
        updateCount();
    }

    private void remove(String key) {
        pending.delete(key);
        Long deadline = deadlines.remove(key);
        if (deadline != null) {
            schedule.remove(new Due(deadline, key));
        }
        updateCount();
    }

    private void scheduleAt(String key, long deadline) {
        Long previous = deadlines.put(key, deadline);
        if (previous != null) {
            schedule.remove(new Due(previous, key));
        }
        schedule.add(new Due(deadline, key));
    }

    private void updateCount() {
        pendingCount = deadlines.size() + inFlight.size();
    }

    static String watermarkKey(UUID conversationId, String userId) {
        return conversationId + "/" + userId;
    }

}
