package dev.chat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import tools.jackson.databind.JsonNode;

import dev.chat.devstack.ChatStack;

/**
 * Fault injection (docs/reliability.md): while senders post messages (retrying every error or timeout with
 * the same {@code client_message_id}) and receivers hold sockets through the gateway (reconnecting and
 * syncing as API.md tells clients to), each part of the system is killed in turn: a websocket node,
 * message-service mid-send, the Kafka broker, PostgreSQL, notification-service and the gateway (all with
 * SIGKILL), and started again. Afterwards every send that got 201 is in history exactly once and reached
 * every receiver's device exactly once after de-duplication by seq, in order; sends while PostgreSQL was
 * down got 503 problem+json with Retry-After; no push came twice outside notification-service's crash
 * window.
 *
 * <p>Short form in CI (one round); the long form: {@code -Dfaults.rounds=5} (docs/reliability.md).
 */
@ExtendWith(StackExtension.class)
class FaultInjectionE2EIT {

    private static final int ROUNDS = Integer.getInteger("faults.rounds", 1);
    private static final int PAIRS = 4;
    private static final Duration SEND_INTERVAL = Duration.ofMillis(100);

    private final ChatStack stack;
    private final PushFakes push;
    private final ChatClient api;
    private final String run = UUID.randomUUID().toString().substring(0, 6);
    private final List<String> faultTimes = new CopyOnWriteArrayList<>();

    FaultInjectionE2EIT(ChatStack stack, PushFakes push) {
        this.stack = stack;
        this.push = push;
        this.api = new ChatClient(stack.gatewayUrl());
    }

    /** What one fault did: how long sends failed around it, what they answered meanwhile. */
    record FaultFigures(String fault, long downMs, long sendsRecoveredMs, long devicesRecoveredMs,
            Map<Integer, Long> answers) {
    }

    @Test
    void killingEachPartInTurnLosesDuplicatesAndReordersNothing() throws Exception {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            pairs.add(new Pair(i));
        }
        // an offline recipient with an Android device: every message to it is pushed
        String pushToken = "fault-fcm-" + run;
        Pair pushed = pairs.getFirst();
        String offline = "offline-" + run;
        String offlineToken = token(offline);
        assertThat(api.post(offlineToken, "/api/v1/devices", Map.of("platform", "android", "token", pushToken + "-off"))
                .status()).isIn(200, 201);
        UUID offlineConversation = conversation(pushed.senderToken, offline);

        ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor();
        ExecutorService senders = Executors.newFixedThreadPool(PAIRS + 1);
        AtomicBoolean sending = new AtomicBoolean(true);
        List<FaultFigures> figures = new ArrayList<>();
        Sender offlineSender = new Sender(pushed.senderToken, offlineConversation);
        // the crash windows (wall clock, epoch ns): notification-service killed, and its database lost, while a
        // push was accepted by the provider but not yet recorded as sent (docs/notification-service.md)
        long[] notificationKill = new long[2];
        long[] postgresCrash = new long[2];
        try {
            for (Pair pair : pairs) {
                pair.device.connect();
            }
            supervisor.scheduleWithFixedDelay(() -> pairs.forEach(p -> p.device.tick()), 50, 50, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> pairs.stream().allMatch(p -> p.device.isReady()));
            for (Pair pair : pairs) {
                senders.submit(() -> pair.sender.loop(sending));
            }
            senders.submit(() -> offlineSender.loop(sending));
            awaitProgress(pairs, 20);

            for (int round = 1; round <= ROUNDS; round++) {
                String node = stack.webSocketNodes().get(round % stack.webSocketNodes().size());
                figures.add(fault("kill -9 websocket node " + node, pairs, () -> stack.kill(node), () -> stack.start(node)));
                figures.add(fault("kill -9 message-service (mid-send)", pairs, () -> stack.kill("message-service"),
                        () -> stack.start("message-service")));
                figures.add(fault("kill -9 Kafka broker", pairs, stack::killKafka, stack::startKafka));
                figures.add(fault("kill -9 PostgreSQL", pairs, () -> {
                    postgresCrash[0] = System.currentTimeMillis() * 1_000_000L;
                    stack.crashPostgres();
                }, () -> {
                    stack.restartPostgres();
                    postgresCrash[1] = System.currentTimeMillis() * 1_000_000L;
                }));
                figures.add(fault("kill -9 notification-service", pairs, () -> {
                    // FCM pushes carry the fake's wall-clock receive time (epoch nanoseconds)
                    notificationKill[0] = System.currentTimeMillis() * 1_000_000L;
                    stack.kill("notification-service");
                }, () -> {
                    stack.start("notification-service");
                    notificationKill[1] = System.currentTimeMillis() * 1_000_000L;
                }));
                figures.add(fault("kill -9 gateway", pairs, () -> stack.kill("gateway-service"),
                        () -> stack.start("gateway-service")));
            }
            awaitProgress(pairs, 10);
        } finally {
            sending.set(false);
            senders.shutdown();
            if (!senders.awaitTermination(90, TimeUnit.SECONDS)) {
                senders.shutdownNow();
            }
        }
        try {
            // every receiver ends up with every message that got a 201, once, in order
            await().atMost(Duration.ofSeconds(90)).until(() -> pairs.stream().allMatch(Pair::complete));
            supervisor.shutdownNow();
            StringBuilder report = new StringBuilder("# Fault injection, ").append(ROUNDS).append(" round(s)\n\n")
                    .append("| fault | down (ms) | sends OK again after restart (ms) | devices back (ms) | answers while down |\n")
                    .append("| --- | --- | --- | --- | --- |\n");
            for (FaultFigures f : figures) {
                report.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %s |%n", f.fault(), f.downMs(),
                        f.sendsRecoveredMs(), f.devicesRecoveredMs(), f.answers()));
            }
            long sent = 0;
            long duplicates = 0;
            long reorders = 0;
            long retried = 0;
            for (Pair pair : pairs) {
                Map<Long, String> created = pair.sender.created;
                sent += created.size();
                retried += pair.sender.retried.get();
                // history: every 201 exactly once, no other message
                List<JsonNode> history = history(pair.receiverToken, pair.conversation);
                assertThat(history).extracting(m -> m.get("seq").asLong()).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(created.keySet());
                assertThat(history).extracting(m -> m.get("client_message_id").asString())
                        .doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(created.values());
                // the device: every seq, none twice after de-duplication, live frames never out of order
                assertThat(pair.device.seen).containsExactlyElementsOf(new TreeSet<>(created.keySet()));
                assertThat(pair.device.liveOutOfOrder.get()).as("live frames out of order").isZero();
                duplicates += pair.device.duplicates.get();
                reorders += pair.device.liveOutOfOrder.get();
                for (int code : pair.sender.answers.keySet()) {
                    assertThat(code).as("answers to sends (500 is never one)").isNotEqualTo(500);
                }
            }
            // sends while PostgreSQL was down: 503 problem+json with Retry-After, nothing stored half
            FaultFigures postgres = figures.stream().filter(f -> f.fault().contains("PostgreSQL")).findFirst().orElseThrow();
            long with503 = pairs.stream().mapToLong(p -> p.sender.unavailableWithRetryAfter.get()).sum();
            assertThat(with503).as("503 + Retry-After answers while PostgreSQL was down").isPositive();
            assertThat(pairs.stream().mapToLong(p -> p.sender.unavailableWithoutRetryAfter.get()).sum())
                    .as("503s without Retry-After or problem+json").isZero();

            // pushes: the offline recipient's messages, none twice outside notification-service's crash window
            List<JsonNode> offlineHistory = history(offlineToken, offlineConversation);
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> pushedMessageIds(pushToken + "-off")
                        .containsAll(offlineHistory.stream().map(m -> m.get("id").asString()).toList()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                Set<String> pushedIds = pushedMessageIds(pushToken + "-off");
                List<String> missing = offlineHistory.stream().filter(m -> !pushedIds.contains(m.get("id").asString()))
                        .map(m -> "seq " + m.get("seq").asLong() + " created " + m.get("created_at").asString()).toList();
                throw new AssertionError("messages to the offline user never pushed (" + missing.size() + " of "
                        + offlineHistory.size() + "; faults: " + faultTimes + "): " + missing, e);
            }
            Map<String, List<PushFakes.Push>> byMessage = push.pushesTo(pushToken + "-off").stream()
                    .filter(p -> "message.created".equals(p.type()))
                    .collect(Collectors.groupingBy(PushFakes.Push::messageId));
            long pushDuplicates = 0;
            for (List<PushFakes.Push> copies : byMessage.values()) {
                if (copies.size() > 1) {
                    pushDuplicates += copies.size() - 1;
                    long firstAt = copies.getFirst().receivedNanos();
                    assertThat(within(firstAt, notificationKill) || within(firstAt, postgresCrash))
                            .as("a push twice at %d, outside the crash windows %s and %s", firstAt,
                                    java.util.Arrays.toString(notificationKill), java.util.Arrays.toString(postgresCrash))
                            .isTrue();
                }
            }
            report.append(String.format(Locale.ROOT, "%nmessages with a 201: %,d (retried sends: %,d); lost: 0; "
                    + "duplicates at devices before de-duplication: %,d, after: 0; live frames out of order: %d; "
                    + "503 + Retry-After while PostgreSQL was down: %,d; pushes: %,d messages, %d pushed twice (crash windows)%n",
                    sent, retried, duplicates, reorders, with503, byMessage.size(), pushDuplicates));
            Path out = Path.of(System.getProperty("chat.project.root", "..")).toAbsolutePath().normalize()
                    .resolve("e2e-tests/target/fault-injection.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
            System.out.println(report);
            assertThat(postgres.downMs()).isPositive();
        } finally {
            supervisor.shutdownNow();
            pairs.forEach(p -> p.device.close());
        }
    }

    private FaultFigures fault(String name, List<Pair> pairs, Runnable kill, Runnable restart) {
        pairs.forEach(p -> p.sender.answersDuringFault.clear());
        faultTimes.add(name + " at " + java.time.Instant.now());
        long before = pairs.stream().mapToLong(p -> p.sender.created.size()).sum();
        long start = System.nanoTime();
        kill.run();
        // the part stays down until the senders have met the fault: 40 send attempts made while it is gone
        long attemptsAtKill = attempts(pairs);
        await().atMost(Duration.ofSeconds(60)).until(() -> attempts(pairs) >= attemptsAtKill + 40);
        restart.run();
        long restarted = System.nanoTime();
        long target = pairs.stream().mapToLong(p -> p.sender.created.size()).sum() + PAIRS;
        await().atMost(Duration.ofSeconds(90)).until(() -> pairs.stream().mapToLong(p -> p.sender.created.size()).sum() >= target);
        long sendsBack = System.nanoTime();
        await().atMost(Duration.ofSeconds(90)).until(() -> pairs.stream().allMatch(Pair::complete));
        long devicesBack = System.nanoTime();
        Map<Integer, Long> answers = new java.util.TreeMap<>();
        pairs.forEach(p -> p.sender.answersDuringFault.forEach((code, n) -> answers.merge(code, n.get(), Long::sum)));
        assertThat(pairs.stream().mapToLong(p -> p.sender.created.size()).sum()).isGreaterThan(before);
        return new FaultFigures(name, TimeUnit.NANOSECONDS.toMillis(restarted - start),
                TimeUnit.NANOSECONDS.toMillis(sendsBack - restarted), TimeUnit.NANOSECONDS.toMillis(devicesBack - restarted),
                answers);
    }

    /** Whether a time lies in a fault's window, give or take 10 s (a push is due 2 s after its message, batched). */
    private static boolean within(long epochNanos, long[] window) {
        long margin = TimeUnit.SECONDS.toNanos(10);
        return epochNanos >= window[0] - margin && epochNanos <= window[1] + margin;
    }

    /** Send attempts so far, answered or not, over all senders. */
    private static long attempts(List<Pair> pairs) {
        return pairs.stream().mapToLong(p -> p.sender.attempts.get()).sum();
    }

    private void awaitProgress(List<Pair> pairs, int messagesEach) {
        long target = pairs.stream().mapToLong(p -> p.sender.created.size()).min().orElse(0) + messagesEach;
        await().atMost(Duration.ofSeconds(60)).until(() -> pairs.stream().allMatch(p -> p.sender.created.size() >= target));
    }

    private Set<String> pushedMessageIds(String token) {
        return push.pushesTo(token).stream().filter(p -> "message.created".equals(p.type())).map(PushFakes.Push::messageId)
                .collect(Collectors.toSet());
    }

    private List<JsonNode> history(String token, UUID conversation) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            ChatClient.Response page = api.get(token, "/api/v1/conversations/" + conversation + "/messages?after_seq="
                    + after + "&limit=100");
            assertThat(page.status()).isEqualTo(200);
            List<JsonNode> messages = page.body().get("messages").valueStream().toList();
            all.addAll(messages);
            if (messages.isEmpty() || !page.body().path("has_more").asBoolean(false)) {
                return all;
            }
            after = messages.getLast().get("seq").asLong();
        }
    }

    private String token(String user) {
        return ChatClient.signedToken(user, stack.jwtSecret(), Duration.ofHours(1));
    }

    private UUID conversation(String token, String other) {
        ChatClient.Response r = api.post(token, "/api/v1/conversations", Map.of("type", "direct", "participant_ids",
                List.of(other)));
        assertThat(r.status()).as(r.raw().body()).isIn(200, 201);
        return UUID.fromString(r.body().get("id").asString());
    }

    /** A sender and a receiver in a direct conversation. */
    final class Pair {

        final String receiverToken;
        final String senderToken;
        final UUID conversation;
        final Sender sender;
        final Device device;

        Pair(int i) {
            String senderId = "fs" + i + "-" + run;
            String receiverId = "fr" + i + "-" + run;
            this.senderToken = token(senderId);
            this.receiverToken = token(receiverId);
            this.conversation = conversation(senderToken, receiverId);
            this.sender = new Sender(senderToken, conversation);
            this.device = new Device(receiverToken, conversation);
        }

        /** The device has every seq that had a 201 when asked (messages sent since may still be on their way). */
        boolean complete() {
            return device.seen.containsAll(List.copyOf(sender.created.keySet()));
        }
    }

    /**
     * Posts a message every {@link #SEND_INTERVAL}; any error, timeout or non-201 is retried with the same
     * {@code client_message_id} (after the answer's Retry-After, or a short backoff) until it gets a 201.
     */
    final class Sender {

        final String token;
        final UUID conversation;
        final Map<Long, String> created = new ConcurrentHashMap<>();
        final Map<Integer, AtomicLong> answers = new ConcurrentHashMap<>();
        final Map<Integer, AtomicLong> answersDuringFault = new ConcurrentHashMap<>();
        final AtomicLong retried = new AtomicLong();
        final AtomicLong attempts = new AtomicLong();
        final AtomicLong unavailableWithRetryAfter = new AtomicLong();
        final AtomicLong unavailableWithoutRetryAfter = new AtomicLong();

        Sender(String token, UUID conversation) {
            this.token = token;
            this.conversation = conversation;
        }

        void loop(AtomicBoolean sending) {
            int n = 0;
            while (sending.get()) {
                String clientMessageId = UUID.randomUUID().toString();
                String content = "m" + (n++);
                long backoff = 100;
                while (true) {
                    int status;
                    ChatClient.Response r = null;
                    try {
                        r = api.post(token, "/api/v1/messages", Map.of("conversation_id", conversation,
                                "client_message_id", clientMessageId, "content", content));
                        status = r.status();
                    } catch (RuntimeException e) {
                        status = -1; // no answer: connection refused or reset, timeout
                    }
                    attempts.incrementAndGet();
                    answers.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    if (status != 201) {
                        answersDuringFault.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                    }
                    if (status == 201 || status == 200) {
                        created.put(r.body().get("seq").asLong(), clientMessageId);
                        break;
                    }
                    if (status == 503) {
                        boolean problem = r.header("Content-Type") != null
                                && r.header("Content-Type").startsWith("application/problem+json")
                                && r.body() != null && r.body().hasNonNull("code");
                        if (r.header("Retry-After") != null && problem) {
                            unavailableWithRetryAfter.incrementAndGet();
                        } else {
                            unavailableWithoutRetryAfter.incrementAndGet();
                        }
                    }
                    retried.incrementAndGet();
                    // a message that may have been stored is retried until it is answered, also after the run
                    sleep(Math.min(backoff, 1_000));
                    backoff *= 2;
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                }
                sleep(SEND_INTERVAL.toMillis());
            }
        }

        /** The ids of the messages sent (from history), for the push check. */
        List<String> messageIds(ChatClient client, String readerToken) {
            return history(readerToken, conversation).stream().map(m -> m.get("id").asString()).toList();
        }

        /** The sender's schedule (its send interval, its retry backoff): pacing load, not waiting for a condition. */
        private void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A receiver's device as API.md describes a well-behaved client: connected through the gateway; when the
     * connection ends, it reconnects (backing off while that fails) and syncs from the last seq it has; a gap
     * in live frames makes it sync too. It de-duplicates by seq.
     */
    final class Device {

        final String token;
        final UUID conversation;
        final Set<Long> seen = Collections.synchronizedSet(new TreeSet<>());
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong liveOutOfOrder = new AtomicLong();
        final List<Long> reconnects = new CopyOnWriteArrayList<>();
        private WsClient client;
        private int read;
        private long lastLive;
        private long nextAttempt;
        private long backoff = 100;
        private boolean ready;
        private int syncs;

        Device(String token, UUID conversation) {
            this.token = token;
            this.conversation = conversation;
        }

        synchronized boolean isReady() {
            return ready;
        }

        synchronized void connect() {
            try {
                client = WsClient.connect(stack.gatewayWebSocketUrl(), token);
                read = 0;
                lastLive = 0;
                ready = false;
                backoff = 100;
            } catch (RuntimeException e) {
                client = null;
                nextAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
                backoff = Math.min(backoff * 2, 2_000);
            }
        }

        /** Reads what arrived; reconnects and syncs when the connection is gone. */
        synchronized void tick() {
            if (client == null || client.closed().isDone()) {
                if (client != null) {
                    client.close();
                    client = null;
                    reconnects.add(System.nanoTime());
                }
                if (System.nanoTime() >= nextAttempt) {
                    connect();
                }
                return;
            }
            List<WsClient.Frame> frames = client.frames();
            for (; read < frames.size(); read++) {
                JsonNode frame = frames.get(read).json();
                String type = frame.path("type").asString("");
                if (type.equals("session.ready")) {
                    ready = true;
                    sync();
                } else if (type.equals("message.created")) {
                    long seq = frame.get("message").get("seq").asLong();
                    boolean replay = frame.path("replay").asBoolean(false);
                    if (!replay) {
                        if (seq <= lastLive) {
                            liveOutOfOrder.incrementAndGet();
                        }
                        lastLive = seq;
                    }
                    if (!seen.add(seq)) {
                        duplicates.incrementAndGet();
                    } else if (!replay && seq > 1 && !seen.contains(seq - 1)) {
                        sync(); // a gap: fetch what is missing
                    }
                } else if (type.equals("error") && "sync_failed".equals(frame.path("code").asString(""))) {
                    sync();
                }
            }
        }

        private void sync() {
            long after = 0;
            synchronized (seen) {
                for (long seq : seen) {
                    if (seq != after + 1) {
                        break;
                    }
                    after = seq;
                }
            }
            try {
                client.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":" + after
                        + ",\"ref\":\"s" + (++syncs) + "\"}");
            } catch (RuntimeException e) {
                // the connection is going: the next tick reconnects and syncs
            }
        }

        synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }
}
