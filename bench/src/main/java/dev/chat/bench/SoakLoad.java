package dev.chat.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The soak's mixed load (docs/reliability.md, "Soak"), as clients drive it through the public API:
 * <ul>
 * <li><b>senders</b> POST messages at a fixed total rate, each sender to its own conversation: half of them direct
 * conversations, half small groups ({@code groupSize} members: the sender, members online, one member offline);</li>
 * <li><b>receivers</b> online over WebSocket, one device each, who de-duplicate by seq, {@code ack} what they hold
 * (cumulatively) and {@code sync} after a reconnect or a gap, as API.md tells clients to;</li>
 * <li><b>offline recipients</b> (one in each group, every fifth direct receiver) with an Android and an iOS device
 * registered, so every message to them is pushed (to the fakes of {@link PushFakes});</li>
 * <li><b>churn</b>: every {@code reconnectEvery} a share of the sockets is closed and opened again (and syncs);</li>
 * <li><b>retries</b>: a send answered 503 (shed or not), 502, 429, or not at all (timeout, connection error) is sent
 * again with the same {@code client_message_id}, after the answer's {@code Retry-After} or a backoff. Every attempt of
 * a sender, first or retry, goes through the sender's own pacer ({@code senderMaxRate}, a fifth of the contract's
 * 10/s per user), so retries never push a sender into the send limit; each sender has a retry budget (a bucket of 30
 * retries, refilled by one for every 5 first attempts), and a message gets at most {@code maxAttempts}. A message whose retries run
 * out is <em>abandoned</em> (counted; a healthy run has none).</li>
 * </ul>
 * Afterwards: every stored message (201, or 200 for a retry whose first attempt had been stored) must be held by every
 * receiver of its conversation exactly once after de-duplication, no {@code client_message_id} at two seqs, no live
 * frame before an earlier one, every offline device pushed each message once.
 */
final class SoakLoad {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * Retries a sender may make in a row (then one more per 5 first attempts): 10 ran out on a cold stack, which
     * sheds for its first half-minute (two senders of 50 abandoned 2 messages each in a 3-minute run).
     */
    private static final double RETRY_BUDGET = 30;
    private static final double RETRY_DEPOSIT = 0.2;
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /**
     * @param ratePerSecond  first attempts per second, all senders together
     * @param duration       how long messages are sent
     * @param api            where POSTs go (the gateway)
     * @param webSocket      where devices connect (the gateway's /ws)
     * @param senderRate     first attempts per second of one sender (senders = rate / this)
     * @param senderMaxRate  attempts (first and retries) per second of one sender, at most
     * @param reconnectEvery how often sockets are churned
     * @param reconnectShare the share of the sockets closed and opened again each time (at least one)
     * @param groupSize      members of a group conversation (>= 3)
     * @param maxAttempts    attempts of one message, at most
     */
    record Config(double ratePerSecond, Duration duration, URI api, URI webSocket, double senderRate,
            double senderMaxRate, Duration reconnectEvery, double reconnectShare, int groupSize, int maxAttempts) {

        static Config of(double ratePerSecond, Duration duration, URI api, URI webSocket, Duration reconnectEvery,
                double reconnectShare) {
            return new Config(ratePerSecond, duration, api, webSocket, 1, 2, reconnectEvery, reconnectShare, 5, 8);
        }

        int senders() {
            return Math.max(2, (int) Math.ceil(ratePerSecond / senderRate));
        }
    }

    /**
     * @param messages         messages sent (first attempts)
     * @param created          answered 201
     * @param repeated         answered 200 to a retry (its first attempt had been stored)
     * @param retriedFor       retries by what caused them
     * @param fiveXxNotShed    5xx answers other than a shed 503, by status (retried, but counted against the run)
     * @param otherStatuses    answers that are not retried (4xx other than 429), by status: the message is abandoned
     * @param abandoned        messages never stored: retries ran out, or an answer not to retry
     * @param minSenderGapMs   the closest two attempts of one sender came, in ms (the pacer keeps it >= 1000 / senderMaxRate)
     * @param paced            times an attempt waited for its sender's pacer
     * @param deliveries       (receiver, message) pairs held after de-duplication
     * @param expected         (receiver, message) pairs there should be: each receiver x its conversation's last seq
     * @param rawDuplicates    frames of a seq the receiver already held (replays overlapping live frames: expected)
     * @param storedTwice      client_message_ids seen at two seqs (must be 0)
     * @param outOfOrder       live frames of a lower seq than an earlier live frame on the same socket (must be 0)
     */
    record Result(Config config, int senders, int directs, int groups, int receivers, int offline, int devices,
            double achievedRate, long messages, long created, long repeated, long attempts, long retries,
            Map<String, Long> retriedFor, long shed, long rateLimited, Map<Integer, Long> fiveXxNotShed,
            Map<Integer, Long> otherStatuses, long timeouts, long errors, long abandoned, List<String> notes,
            double minSenderGapMs, long paced, long deliveries, long expected, long rawDuplicates, long storedTwice, long outOfOrder,
            long missing, long reconnects, long unexpectedCloses, long syncs, long replayed, long pushesExpected,
            long pushedOnce, long pushDuplicates, long pushesMissing) {

        long stored() {
            return created + repeated;
        }

        /** Every message stored once and delivered once in order, every push once, no 5xx but shedding. */
        boolean correct() {
            return abandoned == 0 && stored() == messages && otherStatuses.isEmpty() && fiveXxNotShed.isEmpty()
                    && storedTwice == 0 && outOfOrder == 0 && missing == 0 && pushDuplicates == 0 && pushesMissing == 0
                    && pushedOnce == pushesExpected;
        }
    }

    private final Config config;
    private final Tokens tokens;
    private final PushFakes fakes;
    private final ChatApi api;
    private final String run = UUID.randomUUID().toString().substring(0, 6);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "soak-scheduler");
        t.setDaemon(true);
        return t;
    });

    private final List<Sender> senders = new ArrayList<>();
    private final List<Conv> conversations = new ArrayList<>();
    private final List<Receiver> receivers = new ArrayList<>();
    private int offlineUsers;

    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong repeated = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final Map<String, AtomicLong> retriedFor = new ConcurrentHashMap<>();
    private final AtomicLong shed = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final Map<Integer, AtomicLong> fiveXxNotShed = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> otherStatuses = new ConcurrentHashMap<>();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final Notes notes = new Notes(20);
    private final AtomicLong minSenderGapNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong paced = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong rawDuplicates = new AtomicLong();
    private final Set<UUID> storedTwice = ConcurrentHashMap.newKeySet();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong unexpectedCloses = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();

    SoakLoad(Config config, Tokens tokens, PushFakes fakes) {
        if (config.groupSize() < 3) {
            throw new IllegalArgumentException("a group has the sender, members online and one offline: >= 3");
        }
        this.config = config;
        this.tokens = tokens;
        this.fakes = fakes;
        this.api = new ChatApi(config.api(), "bench-soak", Duration.ofSeconds(10));
    }

    /**
     * Sets up, runs the load for the duration, lets what was sent settle (bounded), and checks.
     *
     * @param started called when the first message is about to be sent (set-up done, every socket ready)
     * @param ended   called when the last first attempt was made (before the retries, deliveries and pushes settle)
     */
    Result run(Runnable started, Runnable ended) throws Exception {
        try {
            setUp();
            // a device that notices a gap syncs (at most once a second), and a sync never answered is given up
            scheduler.scheduleAtFixedRate(() -> receivers.forEach(Receiver::tick), 1, 1, TimeUnit.SECONDS);
            long churn = config.reconnectEvery().toNanos();
            scheduler.scheduleAtFixedRate(this::churn, churn, churn, TimeUnit.NANOSECONDS);

            started.run();
            long interval = (long) (1e9 / config.ratePerSecond());
            long start = System.nanoTime();
            long end = start + config.duration().toNanos();
            for (long i = 0; ; i++) {
                long due = start + i * interval;
                if (due >= end) {
                    break;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // the schedule (open loop): pacing the load, not waiting for a condition
                }
                first(senders.get((int) (i % senders.size())));
            }
            double achieved = messages.get() / ((System.nanoTime() - start) / 1e9);
            ended.run();

            // let it settle, each wait bounded: retries (at most maxAttempts x the longest backoff), then deliveries
            // (devices with a gap sync), then pushes (the grace period, then the providers)
            awaitUntil(() -> pending.get() == 0, Duration.ofSeconds(config.maxAttempts() * MAX_BACKOFF.toSeconds() + 30));
            awaitUntil(() -> missingDeliveries() == 0, Duration.ofSeconds(60));
            awaitUntil(() -> pushTally()[3] == 0, Duration.ofSeconds(60));
            return result(achieved);
        } finally {
            scheduler.shutdownNow();
            for (Receiver r : receivers) {
                r.close();
            }
            api.close();
        }
    }

    /** A line for the console while it runs. */
    String progress() {
        long ready = receivers.stream().filter(Receiver::isReady).count();
        return String.format(java.util.Locale.ROOT, "%,d sent, %,d stored, %,d retries, %,d abandoned, %,d in flight; "
                + "sockets ready %d/%d, reconnects %,d", messages.get(), created.get() + repeated.get(), retries.get(),
                abandoned.get(), pending.get(), ready, receivers.size(), reconnects.get());
    }

    // ------------------------------------------------------------------ set-up

    /** Tokens outlive the run (an expired one would close sockets with 4401 and refuse sends with 401). */
    private Duration tokenLife() {
        return config.duration().plus(Duration.ofHours(1));
    }

    private void setUp() throws InterruptedException {
        int n = config.senders();
        for (int i = 0; i < n; i++) {
            String senderId = "soak-" + run + "-s" + i;
            Sender sender = new Sender(senderId, tokens.token(senderId, tokenLife()));
            List<String> online = new ArrayList<>();
            List<String> offline = new ArrayList<>();
            Conv conv;
            if (i % 2 == 0) {
                // a direct conversation; every fifth receiver is offline, with devices
                (((i / 2) % 5 == 4) ? offline : online).add("soak-" + run + "-d" + i);
                String other = online.isEmpty() ? offline.get(0) : online.get(0);
                conv = new Conv(api.createConversation(sender.token, "direct", List.of(other), null));
            } else {
                for (int k = 0; k < config.groupSize() - 2; k++) {
                    online.add("soak-" + run + "-g" + i + "m" + k);
                }
                offline.add("soak-" + run + "-g" + i + "off");
                List<String> members = new ArrayList<>(online);
                members.addAll(offline);
                conv = new Conv(api.createConversation(sender.token, "group", members, "soak group " + i));
            }
            sender.conv = conv;
            senders.add(sender);
            conversations.add(conv);
            for (String user : offline) {
                registerDevices(user, conv);
            }
            for (String user : online) {
                Receiver r = new Receiver(user, tokens.token(user, tokenLife()), conv);
                receivers.add(r);
            }
        }
        CountDownLatch ready = new CountDownLatch(receivers.size());
        for (Receiver r : receivers) {
            r.firstReady = ready;
            r.open();
        }
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(ready.getCount() + " of " + receivers.size()
                    + " devices did not get session.ready within 60 s");
        }
    }

    /** An Android and an iOS device for an offline user, registered through the API. */
    private void registerDevices(String user, Conv conv) {
        String token = tokens.token(user, tokenLife());
        String android = "fcm-soak:" + UUID.randomUUID();
        byte[] apns = new byte[32];
        ThreadLocalRandom.current().nextBytes(apns);
        String iphone = HexFormat.of().formatHex(apns);
        api.registerDevice(token, "{\"platform\":\"android\",\"token\":\"" + android + "\"}");
        api.registerDevice(token, "{\"platform\":\"ios\",\"token\":\"" + iphone + "\",\"app_id\":\""
                + PushFakes.APNS_TOPIC + "\"}");
        conv.devices.add(android);
        conv.devices.add(iphone);
        offlineUsers++;
    }

    // ------------------------------------------------------------------ sends and retries

    /** One sender: its conversation, its pacer and its retry budget. */
    private final class Sender {
        final String id;
        final String token;
        Conv conv;
        private long lastAttemptNanos = Long.MIN_VALUE;
        private double retryBudget = RETRY_BUDGET;

        Sender(String id, String token) {
            this.id = id;
            this.token = token;
        }

        /**
         * The pacer: an attempt may start when the sender's previous one started at least {@code spacingNanos} ago.
         * Returns 0 and counts it as started, or how long to wait.
         */
        synchronized long tryStart(long now, long spacingNanos) {
            if (lastAttemptNanos != Long.MIN_VALUE && now - lastAttemptNanos < spacingNanos) {
                return lastAttemptNanos + spacingNanos - now;
            }
            if (lastAttemptNanos != Long.MIN_VALUE) {
                minSenderGapNanos.accumulateAndGet(now - lastAttemptNanos, Math::min);
            }
            lastAttemptNanos = now;
            return 0;
        }

        synchronized void deposit() {
            retryBudget = Math.min(RETRY_BUDGET, retryBudget + RETRY_DEPOSIT);
        }

        synchronized boolean takeRetry() {
            if (retryBudget < 1) {
                return false;
            }
            retryBudget -= 1;
            return true;
        }
    }

    /** One message, over all its attempts. */
    private static final class Send {
        final Sender sender;
        final UUID clientMessageId = UUID.randomUUID();
        int attempts;

        Send(Sender sender) {
            this.sender = sender;
        }
    }

    private void first(Sender sender) {
        messages.incrementAndGet();
        pending.incrementAndGet();
        sender.deposit();
        schedule(new Send(sender), System.nanoTime());
    }

    /** An attempt at {@code earliest} (or as soon as the sender's pacer lets it, after). */
    private void schedule(Send send, long earliest) {
        long delay = earliest - System.nanoTime();
        if (delay <= 0) {
            attempt(send);
        } else {
            scheduler.schedule(() -> attempt(send), delay, TimeUnit.NANOSECONDS);
        }
    }

    private void attempt(Send send) {
        long wait = send.sender.tryStart(System.nanoTime(), (long) (1e9 / config.senderMaxRate()));
        if (wait > 0) {
            paced.incrementAndGet();
            scheduler.schedule(() -> attempt(send), wait, TimeUnit.NANOSECONDS);
            return;
        }
        send.attempts++;
        attempts.incrementAndGet();
        api.postMessage(send.sender.token, send.sender.conv.id, send.clientMessageId, "soak message " + send.clientMessageId)
                .timeout(ATTEMPT_TIMEOUT)
                .subscribe(answer -> answered(send, answer), error -> failed(send, error));
    }

    private void answered(Send send, ChatApi.Answer answer) {
        int status = answer.status();
        if (status == 201 || status == 200) {
            (status == 201 ? created : repeated).incrementAndGet();
            JsonNode message = JSON.readTree(answer.body());
            send.sender.conv.stored(send.clientMessageId, message.get("seq").asLong(), message.get("id").asString());
            pending.decrementAndGet();
        } else if (answer.shed()) {
            shed.incrementAndGet();
            retry(send, "503 overloaded", answer.retryAfterSeconds());
        } else if (status == 429) {
            rateLimited.incrementAndGet();
            retry(send, "429", answer.retryAfterSeconds());
        } else if (status >= 500) {
            fiveXxNotShed.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            notes.add(status + " " + abbreviate(answer.body()));
            retry(send, Integer.toString(status), answer.retryAfterSeconds());
        } else {
            otherStatuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            abandon(send, "answered " + status + " " + abbreviate(answer.body()));
        }
    }

    private void failed(Send send, Throwable error) {
        boolean timeout = SendLoad.isTimeout(error);
        (timeout ? timeouts : errors).incrementAndGet();
        retry(send, timeout ? "timeout" : "connection error", -1);
    }

    /** Again with the same client_message_id, after Retry-After (or a backoff), within the sender's budgets. */
    private void retry(Send send, String reason, long retryAfterSeconds) {
        if (send.attempts >= config.maxAttempts()) {
            abandon(send, reason + " on each of " + send.attempts + " attempts");
            return;
        }
        if (!send.sender.takeRetry()) {
            abandon(send, reason + ", and the sender's retry budget is spent");
            return;
        }
        retries.incrementAndGet();
        retriedFor.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        long backoff = retryAfterSeconds >= 0 ? TimeUnit.SECONDS.toNanos(retryAfterSeconds)
                : Math.min(MAX_BACKOFF.toNanos(), TimeUnit.MILLISECONDS.toNanos(250L << Math.min(5, send.attempts - 1)));
        schedule(send, System.nanoTime() + backoff);
    }

    private void abandon(Send send, String why) {
        abandoned.incrementAndGet();
        pending.decrementAndGet();
        notes.add("abandoned " + send.clientMessageId + " of " + send.sender.id + ": " + why);
    }

    // ------------------------------------------------------------------ conversations and devices

    /** One conversation: what was stored in it, who receives it live, and the offline devices it is pushed to. */
    private final class Conv {
        final String id;
        final List<String> devices = new ArrayList<>();
        final AtomicLong lastSeq = new AtomicLong();
        final Map<UUID, Long> seqOf = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> messageIds = new ConcurrentLinkedQueue<>();

        Conv(String id) {
            this.id = id;
        }

        /** The answer to a send: stored at this seq with this id. */
        void stored(UUID clientMessageId, long seq, String messageId) {
            seen(clientMessageId, seq);
            if (!devices.isEmpty()) {
                messageIds.add(messageId);
            }
        }

        /** A client_message_id at a seq, from an answer or a frame: at a second seq it was stored twice. */
        void seen(UUID clientMessageId, long seq) {
            Long before = seqOf.putIfAbsent(clientMessageId, seq);
            if (before != null && before != seq) {
                storedTwice.add(clientMessageId);
            }
            lastSeq.accumulateAndGet(seq, Math::max);
        }
    }

    /** (receiver, message) pairs not held yet. */
    private long missingDeliveries() {
        long missing = 0;
        for (Receiver r : receivers) {
            missing += Math.max(0, r.conv.lastSeq.get() - r.held());
        }
        return missing;
    }

    /** Expected pushes, pushed once, duplicates (pushes beyond the first), missing. */
    private long[] pushTally() {
        long expected = 0;
        long once = 0;
        long duplicates = 0;
        long missing = 0;
        for (Conv conv : conversations) {
            for (String messageId : conv.messageIds) {
                for (String device : conv.devices) {
                    expected++;
                    PushFakes.Arrival arrival = fakes.arrival(messageId, device);
                    long count = arrival == null ? 0 : arrival.count.get();
                    if (count == 0) {
                        missing++;
                    } else {
                        once++;
                        duplicates += count - 1;
                    }
                }
            }
        }
        return new long[] {expected, once, duplicates, missing};
    }

    // ------------------------------------------------------------------ devices online

    /**
     * One online device, as docs/websocket-protocol.md's recipe has it: holds the seqs it received (contiguous up to
     * {@code contiguous}, and those above a gap), acks what it holds without a gap (each live frame; a replay once, at
     * its {@code sync.done}), syncs its conversation after every reconnect (the recipe's comparison with
     * {@code GET /conversations} skipped: a device here has one conversation) and when it sees a gap, and again while
     * {@code has_more}. Frames arrive on the socket's event loop; everything is under this object's lock.
     */
    private final class Receiver {
        final String user;
        final String token;
        final Conv conv;
        CountDownLatch firstReady;
        private ChatSocket socket;
        private int generation;
        private boolean ready;
        private boolean everReady;
        private long contiguous;
        private long acked;
        private final TreeSet<Long> above = new TreeSet<>();
        private long lastLive;
        private boolean syncing;
        private long syncSentNanos;
        private int refs;

        Receiver(String user, String token, Conv conv) {
            this.user = user;
            this.token = token;
            this.conv = conv;
        }

        synchronized void open() {
            int gen = ++generation;
            ready = false;
            syncing = false;
            lastLive = 0;
            socket = new ChatSocket(config.webSocket(), token, frame -> onFrame(gen, frame), error -> closed(gen, error));
        }

        /** Closed and opened again, as a phone changing networks (the churn). */
        synchronized void reconnect() {
            if (socket != null) {
                socket.close();
            }
            reconnects.incrementAndGet();
            open();
        }

        synchronized boolean isReady() {
            return ready;
        }

        synchronized long held() {
            return contiguous + above.size();
        }

        synchronized void close() {
            generation++;
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }

        /** The server ended the connection: open it again a second later, as a client would. */
        private synchronized void closed(int gen, Throwable error) {
            if (gen != generation) {
                return;
            }
            unexpectedCloses.incrementAndGet();
            notes.add("socket of " + user + " ended: " + (error == null ? "closed by the server" : error.toString()));
            ready = false;
            try {
                scheduler.schedule(() -> {
                    synchronized (this) {
                        if (gen == generation) {
                            reconnects.incrementAndGet();
                            open();
                        }
                    }
                }, 1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the run is over
            }
        }

        private synchronized void onFrame(int gen, String text) {
            if (gen != generation) {
                return; // a socket already closed
            }
            try {
                frame(JSON.readTree(text));
            } catch (RuntimeException e) {
                // a frame this client cannot read: noted, and the socket goes on (an exception here would end it)
                notes.add("frame to " + user + " not understood: " + e + " in " + abbreviate(text));
            }
        }

        private void frame(JsonNode frame) {
            switch (frame.path("type").asString("")) {
                case "session.ready" -> {
                    ready = true;
                    if (!everReady) {
                        everReady = true;
                        firstReady.countDown();
                    } else {
                        sync(); // back after a reconnect: replay what came meanwhile
                    }
                }
                case "message.created" -> message(frame.get("message"), frame.path("replay").asBoolean(false));
                case "sync.done" -> {
                    syncing = false;
                    ackIfMoved(); // a replay is acked once, at its end
                    if (frame.path("has_more").asBoolean(false)) {
                        sync(); // more than one page (200) was missed
                    }
                }
                case "error" -> {
                    notes.add("error frame to " + user + ": " + abbreviate(frame.toString()));
                    if ("sync_failed".equals(frame.path("code").asString(""))) {
                        syncing = false; // the next tick syncs again
                    }
                }
                default -> {
                    // receipts, presence, typing: not what the soak checks
                }
            }
        }

        private void message(JsonNode message, boolean replay) {
            long seq = message.get("seq").asLong();
            String clientMessageId = message.path("client_message_id").asString("");
            if (!clientMessageId.isEmpty()) {
                conv.seen(UUID.fromString(clientMessageId), seq);
            }
            if (replay) {
                replayed.incrementAndGet();
            } else {
                if (seq < lastLive) {
                    outOfOrder.incrementAndGet();
                }
                lastLive = Math.max(lastLive, seq);
            }
            if (seq <= contiguous || !above.add(seq)) {
                rawDuplicates.incrementAndGet();
                return;
            }
            deliveries.incrementAndGet();
            while (!above.isEmpty() && above.first() == contiguous + 1) {
                above.pollFirst();
                contiguous++;
            }
            if (!replay) {
                ackIfMoved();
            }
        }

        /** "delivered up to" what is held without a gap, when that moved since the last ack. */
        private void ackIfMoved() {
            if (contiguous > acked) {
                acked = contiguous;
                socket.send(ChatSocket.ack(conv.id, contiguous));
            }
        }

        private void sync() {
            syncing = true;
            syncSentNanos = System.nanoTime();
            syncs.incrementAndGet();
            socket.send(ChatSocket.sync(conv.id, contiguous, "s" + (++refs)));
        }

        /** Every second: a gap seen and no sync under way makes a sync; a sync unanswered for 30 s is given up. */
        synchronized void tick() {
            if (!ready || socket == null) {
                return;
            }
            long sinceSync = System.nanoTime() - syncSentNanos;
            if (syncing && sinceSync > TimeUnit.SECONDS.toNanos(30)) {
                notes.add("sync of " + user + " unanswered for 30 s");
                syncing = false;
            }
            // a gap: a later seq arrived before an earlier one (a device does not know the conversation's last seq:
            // messages lost at the end of a live stream stay missing, and are counted so)
            if (!syncing && !above.isEmpty() && sinceSync > TimeUnit.SECONDS.toNanos(1)) {
                sync();
            }
        }
    }

    // ------------------------------------------------------------------ churn, result

    /** A share of the sockets (at least one) closed and opened again. */
    private void churn() {
        List<Receiver> shuffled = new ArrayList<>(receivers);
        Collections.shuffle(shuffled);
        int count = Math.max(1, (int) Math.round(config.reconnectShare() * receivers.size()));
        shuffled.stream().filter(Receiver::isReady).limit(count).forEach(Receiver::reconnect);
    }

    private Result result(double achieved) {
        long expected = 0;
        long held = 0;
        for (Receiver r : receivers) {
            expected += r.conv.lastSeq.get();
            held += Math.min(r.held(), r.conv.lastSeq.get());
        }
        long[] pushes = pushTally();
        long minGap = minSenderGapNanos.get();
        return new Result(config, senders.size(), (senders.size() + 1) / 2, senders.size() / 2, receivers.size(),
                offlineUsers, offlineUsers * 2, achieved, messages.get(), created.get(), repeated.get(), attempts.get(),
                retries.get(), snapshot(retriedFor), shed.get(), rateLimited.get(), snapshot(fiveXxNotShed),
                snapshot(otherStatuses), timeouts.get(), errors.get(), abandoned.get(), notes.list(),
                minGap == Long.MAX_VALUE ? Double.NaN : minGap / 1e6, paced.get(), deliveries.get(), expected, rawDuplicates.get(),
                storedTwice.size(), outOfOrder.get(), expected - held, reconnects.get(), unexpectedCloses.get(),
                syncs.get(), replayed.get(), pushes[0], pushes[1], pushes[2], pushes[3]);
    }

    private static <K extends Comparable<K>> Map<K, Long> snapshot(Map<K, AtomicLong> counts) {
        Map<K, Long> copy = new TreeMap<>();
        counts.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** Polls a condition of the settling phase until it holds or the time is up (the load is over: nothing to pace). */
    private static void awaitUntil(java.util.function.BooleanSupplier condition, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static String abbreviate(String text) {
        String t = text == null ? "" : text.replaceAll("\\s+", " ");
        return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }

    /** The first {@code capacity} notes of the run (what went wrong, for the report), then a count of the rest. */
    private static final class Notes {
        private final int capacity;
        private final List<String> notes = new ArrayList<>();
        private long more;

        Notes(int capacity) {
            this.capacity = capacity;
        }

        synchronized void add(String note) {
            if (notes.size() < capacity) {
                notes.add(note);
            } else {
                more++;
            }
        }

        synchronized List<String> list() {
            List<String> copy = new ArrayList<>(notes);
            if (more > 0) {
                copy.add("... and " + more + " more");
            }
            return copy;
        }
    }
}
