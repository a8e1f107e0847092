package dev.chat.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.Recorder;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The send path under load, as clients drive it: senders POST messages at a fixed total rate (open
 * loop: a slow answer never slows the schedule), each to a direct conversation with one receiver
 * connected over WebSocket, who acks every message it gets. Measures POST -> 201 and POST -> the
 * receiver's frame, and checks that every message arrived exactly once and in seq order.
 * <p>
 * Past the saturation point the services shed load: a send refused with 503 {@code overloaded} (by the gateway or
 * message-service, before any work, with a {@code Retry-After}) is counted as <em>shed</em>, apart from other
 * statuses, timeouts and connection errors; it stored nothing and is not retried here (open loop). The POST -> 201
 * latency is that of the admitted sends only; the time to the 503 is measured apart.
 */
final class SendLoad {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @param conversations  senders = receivers = conversations
     * @param ratePerSecond  total sends per second
     * @param warmup         sent but not measured
     * @param duration       measured
     * @param api            where POSTs go (the gateway, or message-service directly)
     * @param webSocket      where receivers connect (the gateway's /ws, or a websocket node's)
     * @param ack            receivers send an ack frame for every message
     */
    record Config(int conversations, double ratePerSecond, Duration warmup, Duration duration, URI api, URI webSocket,
            boolean ack) {
    }

    record Latency(double p50, double p99, double p999, double max, long count) {
        static Latency of(org.HdrHistogram.Histogram h) {
            return new Latency(h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6, h.getTotalCount());
        }
    }

    /**
     * @param post          POST -> 201 of the admitted sends
     * @param shed          sends answered 503 {@code overloaded} (refused before any work, nothing stored)
     * @param shedAnswer    POST -> that 503
     * @param retryAfterMin the shortest {@code Retry-After} of a shed send, seconds (0: none shed)
     * @param retryAfterMax the longest
     * @param otherStatuses every other answer than 201 and a shed 503, by status
     * @param timeouts      no answer within the client's response timeout (10 s)
     * @param errors        no answer for another reason (connection refused, reset)
     */
    record Result(Config config, double achievedRate, Latency post, Latency delivery, long sent, long created,
            long shed, Latency shedAnswer, long retryAfterMin, long retryAfterMax, Map<Integer, Long> otherStatuses,
            long timeouts, long errors, long received, long duplicates, long outOfOrder, long missing) {

        /** Nothing lost, duplicated or reordered; every send answered, 201 or shed (never another 5xx). */
        boolean correct() {
            return timeouts == 0 && errors == 0 && otherStatuses.keySet().stream().noneMatch(s -> s >= 500)
                    && duplicates == 0 && outOfOrder == 0 && missing == 0;
        }

        long noAnswer() {
            return timeouts + errors;
        }

        /** The share of the sends that were shed. */
        double shedShare() {
            return sent == 0 ? 0 : (double) shed / sent;
        }
    }

    private final Config config;
    private final Tokens tokens;
    private final String run = UUID.randomUUID().toString().substring(0, 6);
    private final ChatApi api;

    private final Map<UUID, Long> started = new ConcurrentHashMap<>();
    private final Map<UUID, Boolean> measured = new ConcurrentHashMap<>();
    private final Recorder postLatency = new Recorder(3);
    private final Recorder deliveryLatency = new Recorder(3);
    private final Recorder shedLatency = new Recorder(3);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong shed = new AtomicLong();
    private final AtomicLong retryAfterMin = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong retryAfterMax = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private volatile boolean recording;

    SendLoad(Config config, Tokens tokens) {
        this.config = config;
        this.tokens = tokens;
        this.api = new ChatApi(config.api(), "bench-send", Duration.ofSeconds(10));
    }

    /** One conversation of the run: its sender, receiver and where the receiver is. */
    private static final class Pair {
        String sender;
        String senderToken;
        String receiverToken;
        String conversationId;
        final AtomicLong lastSeq = new AtomicLong();
        ChatSocket socket;
    }

    Result run() throws Exception {
        return run(() -> { }, () -> { });
    }

    /**
     * @param measuring called when the measured window starts (after the warm-up)
     * @param measured  called when the last measured message was sent and has arrived (or the wait ended)
     */
    Result run(Runnable measuring, Runnable measured) throws Exception {
        List<Pair> pairs = setUp();
        try {
            long interval = (long) (1e9 / config.ratePerSecond());
            long start = System.nanoTime();
            long warmupEnd = start + config.warmup().toNanos();
            long end = warmupEnd + config.duration().toNanos();
            long i = 0;
            long measuredSent = 0;
            long measureStart = 0;
            while (true) {
                long due = start + i * interval;
                if (due >= end) {
                    break;
                }
                long now = System.nanoTime();
                if (due > now) {
                    long wait = due - now;
                    if (wait > 200_000) {
                        TimeUnit.NANOSECONDS.sleep(wait - 100_000);
                    }
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                if (!recording && due >= warmupEnd) {
                    measuring.run();
                    postLatency.getIntervalHistogram();
                    deliveryLatency.getIntervalHistogram();
                    shedLatency.getIntervalHistogram();
                    recording = true;
                    measureStart = System.nanoTime();
                }
                send(pairs.get((int) (i % pairs.size())), due);
                if (recording) {
                    measuredSent++;
                }
                i++;
            }
            double achieved = measuredSent / ((System.nanoTime() - measureStart) / 1e9);
            // let what was sent arrive (bounded)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline && (received.get() < created.get() || sent.get() > created.get()
                    + shed.get() + timeouts.get() + errors.get() + statuses.values().stream().mapToLong(AtomicLong::get).sum())) {
                Thread.sleep(20);
            }
            recording = false;
            measured.run();
            long missing = Math.max(0, created.get() - received.get());
            Map<Integer, Long> other = new TreeMap<>();
            statuses.forEach((status, count) -> other.put(status, count.get()));
            return new Result(config, achieved, Latency.of(postLatency.getIntervalHistogram()),
                    Latency.of(deliveryLatency.getIntervalHistogram()), sent.get(), created.get(), shed.get(),
                    Latency.of(shedLatency.getIntervalHistogram()), shed.get() == 0 ? 0 : retryAfterMin.get(),
                    retryAfterMax.get(), other, timeouts.get(), errors.get(), received.get(), duplicates.get(),
                    outOfOrder.get(), missing);
        } finally {
            for (Pair p : pairs) {
                if (p.socket != null) {
                    p.socket.close();
                }
            }
            api.close();
        }
    }

    private void send(Pair pair, long scheduledNanos) {
        UUID clientMessageId = UUID.randomUUID();
        boolean measure = recording;
        started.put(clientMessageId, scheduledNanos);
        if (measure) {
            measured.put(clientMessageId, Boolean.TRUE);
        }
        sent.incrementAndGet();
        api.postMessage(pair.senderToken, pair.conversationId, clientMessageId, "benchmark message " + clientMessageId)
                .subscribe(answer -> {
                    int status = answer.status();
                    if (status == 201) {
                        created.incrementAndGet();
                        if (measure) {
                            postLatency.recordValue(Math.max(0, System.nanoTime() - scheduledNanos));
                        }
                    } else if (answer.shed()) {
                        shed.incrementAndGet();
                        if (measure) {
                            shedLatency.recordValue(Math.max(0, System.nanoTime() - scheduledNanos));
                        }
                        long seconds = answer.retryAfterSeconds();
                        if (seconds >= 0) {
                            retryAfterMin.accumulateAndGet(seconds, Math::min);
                            retryAfterMax.accumulateAndGet(seconds, Math::max);
                        }
                    } else {
                        statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    }
                }, error -> (isTimeout(error) ? timeouts : errors).incrementAndGet());
    }

    static boolean isTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.netty.handler.timeout.TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private List<Pair> setUp() throws Exception {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < config.conversations(); i++) {
            Pair p = new Pair();
            p.sender = "s" + i + "-" + run;
            String receiver = "r" + i + "-" + run;
            p.senderToken = tokens.token(p.sender, Duration.ofHours(2));
            p.receiverToken = tokens.token(receiver, Duration.ofHours(2));
            p.conversationId = api.createConversation(p.senderToken, "direct", List.of(receiver), null);
            pairs.add(p);
        }
        CountDownLatch ready = new CountDownLatch(pairs.size());
        for (Pair p : pairs) {
            connect(p, ready);
        }
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(ready.getCount() + " receivers did not get session.ready within 60 s");
        }
        return pairs;
    }

    private void connect(Pair pair, CountDownLatch ready) {
        pair.socket = new ChatSocket(config.webSocket(), pair.receiverToken, frame -> onFrame(pair, frame, ready),
                error -> System.err.println("  receiver socket ended: " + (error == null ? "closed by the server" : error)));
    }

    private void onFrame(Pair pair, String text, CountDownLatch ready) {
        long now = System.nanoTime();
        JsonNode frame = JSON.readTree(text);
        String type = frame.path("type").asString("");
        if (type.equals("session.ready")) {
            ready.countDown();
            return;
        }
        if (!type.equals("message.created")) {
            return;
        }
        JsonNode message = frame.get("message");
        long seq = message.get("seq").asLong();
        long last = pair.lastSeq.get();
        if (seq <= last) {
            duplicates.incrementAndGet();
            return;
        }
        if (seq != last + 1) {
            outOfOrder.incrementAndGet();
        }
        pair.lastSeq.set(seq);
        received.incrementAndGet();
        UUID clientMessageId = UUID.fromString(message.get("client_message_id").asString());
        Long startedAt = started.remove(clientMessageId);
        if (startedAt != null && measured.remove(clientMessageId) != null && recording) {
            deliveryLatency.recordValue(Math.max(0, now - startedAt));
        }
        if (config.ack()) {
            pair.socket.send(ChatSocket.ack(pair.conversationId, seq));
        }
    }
}
