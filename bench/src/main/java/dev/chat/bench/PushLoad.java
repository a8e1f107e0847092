package dev.chat.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;

/**
 * The push load: {@code users} recipients, each with an Android and an iOS device registered over the devices
 * API, each in a direct conversation with one sender; {@code message.created} events written to
 * {@code chat.events} at a steady rate, as message-service would (one recipient with {@code push} true, nobody
 * acks), so every message is two pushes after the grace period. Records when each message was written and
 * when the fakes received each push.
 */
final class PushLoad {

    /**
     * @param users             recipients (each: 2 devices, 1 conversation)
     * @param messagesPerSecond the rate events are written at (pushes/s offered = 2x)
     * @param duration          how long events are written
     * @param warmup            the start of the run left out of the throughput figure (JIT, connections)
     * @param gracePeriod       the service's grace period (a push is due that long after its event)
     * @param drain             how long to wait, after the last event, for the last pushes
     */
    record Config(int users, double messagesPerSecond, Duration duration, Duration warmup, Duration gracePeriod,
            Duration drain) {
    }

    record Result(Config config, long messages, long expectedPushes, long pushes, long duplicates, long missing,
            double offeredPushesPerSecond, double achievedPushesPerSecond, Histogram lateness, double seconds) {

        boolean correct() {
            return duplicates == 0 && missing == 0 && pushes == expectedPushes;
        }

        double latenessMs(double percentile) {
            return lateness.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private record User(String id, String android, String iphone, UUID conversation, long[] seq) {
    }

    private record Sent(String messageId, User user, long writtenNanos) {
    }

    private final Config config;
    private final URI notificationService;
    private final String bootstrapServers;
    private final Tokens tokens;
    private final PushFakes fakes;

    PushLoad(Config config, URI notificationService, String bootstrapServers, Tokens tokens, PushFakes fakes) {
        this.config = config;
        this.notificationService = notificationService;
        this.bootstrapServers = bootstrapServers;
        this.tokens = tokens;
        this.fakes = fakes;
    }

    Result run() throws Exception {
        List<User> users = register();
        // the fakes count every push they ever received (an earlier run's too): this run waits for its own
        long before = fakes.pushes();
        List<Sent> sent = new ArrayList<>();
        String sender = "bench-sender";
        long intervalNanos = (long) (1e9 / config.messagesPerSecond());
        long start;
        long end;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 1))) {
            start = System.nanoTime();
            long stopAt = start + config.duration().toNanos();
            long next = start;
            int i = 0;
            while (next < stopAt) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                User user = users.get(i++ % users.size());
                long seq = ++user.seq()[0];
                ChatMessage message = new ChatMessage(UUID.randomUUID(), user.conversation(), seq, sender, "Bench Sender",
                        null, "text", "benchmark message " + seq + " for " + user.id(), List.of(), null, List.of(),
                        Instant.now(), null, false);
                ChatEvent event = ChatEvent.of(EventTypes.MESSAGE_CREATED, user.conversation(), seq,
                        List.of(new Recipient(user.id(), true), new Recipient(sender, false)), Instant.now(),
                        Map.of("message", message)).withConversation(new ChatEvent.ConversationSummary("direct", null));
                producer.send(new ProducerRecord<>(Topics.CHAT_EVENTS, user.conversation().toString(),
                        ChatJson.mapper().writeValueAsString(event)));
                sent.add(new Sent(message.id().toString(), user, System.nanoTime()));
                next += intervalNanos;
            }
            producer.flush();
            end = System.nanoTime();
        }
        long expected = sent.size() * 2L;
        long deadline = System.nanoTime() + config.gracePeriod().plus(config.drain()).toNanos();
        while (fakes.pushes() - before < expected && System.nanoTime() < deadline) {
            Thread.sleep(100); // the load is over: polling for the last arrivals, not pacing anything
        }
        return result(sent, start, end, expected);
    }

    private Result result(List<Sent> sent, long start, long end, long expected) {
        Histogram lateness = new Histogram(3_600_000_000L, 3);
        long pushes = 0;
        long duplicates = 0;
        long missing = 0;
        long windowFrom = start + config.warmup().toNanos() + config.gracePeriod().toNanos();
        long windowTo = end + config.gracePeriod().toNanos();
        long inWindow = 0;
        for (Sent s : sent) {
            for (String token : List.of(s.user().android(), s.user().iphone())) {
                PushFakes.Arrival arrival = fakes.arrival(s.messageId(), token);
                if (arrival == null) {
                    missing++;
                    continue;
                }
                long count = arrival.count.get();
                pushes += count;
                duplicates += count - 1;
                long due = s.writtenNanos() + config.gracePeriod().toNanos();
                lateness.recordValue(Math.max(0, (arrival.firstNanos - due) / 1000));
                if (arrival.firstNanos >= windowFrom && arrival.firstNanos < windowTo) {
                    inWindow++;
                }
            }
        }
        double seconds = (end - start) / 1e9;
        double window = (windowTo - windowFrom) / 1e9;
        return new Result(config, sent.size(), expected, pushes, duplicates, missing, expected / seconds,
                window > 0 ? inWindow / window : 0, lateness, seconds);
    }

    /** Registers each user's two devices over the devices API, 32 at a time. */
    private List<User> register() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore parallel = new Semaphore(32);
        List<User> users = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < config.users(); i++) {
            byte[] apns = new byte[32];
            ThreadLocalRandom.current().nextBytes(apns);
            User user = new User("bench-" + run + "-" + i, "fcm-bench:" + UUID.randomUUID(), HexFormat.of().formatHex(apns),
                    UUID.randomUUID(), new long[1]);
            users.add(user);
            String token = tokens.token(user.id(), Duration.ofHours(2));
            for (String body : List.of(
                    "{\"platform\":\"android\",\"token\":\"" + user.android() + "\"}",
                    "{\"platform\":\"ios\",\"token\":\"" + user.iphone() + "\",\"app_id\":\"" + PushFakes.APNS_TOPIC + "\"}")) {
                parallel.acquire();
                calls.add(http.sendAsync(HttpRequest.newBuilder(notificationService.resolve("/api/v1/devices"))
                                .timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString())
                        .whenComplete((response, error) -> parallel.release()));
            }
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.join();
            if (response.statusCode() != 201) {
                throw new IllegalStateException("device registration answered " + response.statusCode() + ": " + response.body());
            }
        }
        return users;
    }
}
