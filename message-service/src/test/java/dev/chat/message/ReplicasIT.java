package dev.chat.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.web.reactive.function.client.WebClient;

import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.EventTypes;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * The contract's limits hold with replicas: two message-service instances on one PostgreSQL and one
 * Kafka, with the default (contract) settings, one user's requests spread over both.
 * <ul>
 * <li>Send limit (API.md: 10 messages/s, burst 20): one user sending 40/s alternately to both instances
 * gets burst + rate x duration accepted (within 20 %), not twice that; the refused are 429 problem+json
 * {@code rate_limited} with {@code Retry-After} and stored nothing.</li>
 * <li>Receipt coalescing (at most one {@code receipt.updated} per (conversation, user) per second): a
 * reader's watermarks moving every 100 ms through REST on both instances and through chat.signals give at
 * most the contract's number of events (within 20 %), at least 0.8 s apart, and the last one carries the
 * final watermarks.</li>
 * </ul>
 * The figures are printed (the test's output file) for docs/reliability.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicasIT {

    private static final int CAPACITY = 20; // the defaults of application.yml, the contract's numbers
    private static final double PER_SECOND = 10;
    private static final Duration WINDOW = Duration.ofSeconds(1);

    MessageServiceReplicas replicas;
    List<WebClient> clients;

    @BeforeAll
    void startTwoInstances() {
        replicas = MessageServiceReplicas.start(2, Map.of());
        clients = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            clients.add(WebClient.builder().baseUrl(replicas.url(i)).build());
        }
    }

    @AfterAll
    void stopThem() {
        if (replicas != null) {
            replicas.close();
        }
    }

    /** One answer to a send: which instance, when it was made, status, Retry-After, body. */
    record Answer(int instance, long sentNanos, int status, String retryAfter, MediaType contentType, JsonNode body,
            UUID clientMessageId) {
    }

    @Test
    void theSendLimitIsOneLimitAcrossInstances() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        UUID conversation = createDirect(0, alice, bob);
        // warm both instances up (a cold send path would slow the schedule below), as another user
        String warm = Api.user("warm");
        UUID warmUp = createDirect(1, warm, bob);
        for (int i = 0; i < 10; i++) {
            assertThat(send(i % 2, warm, warmUp).block(Duration.ofSeconds(10)).status()).isEqualTo(201);
        }
        int attempts = 120; // 40 per second for 3 s, alternately to each instance

        List<Answer> answers = Flux.interval(Duration.ZERO, Duration.ofMillis(25))
                .take(attempts)
                .onBackpressureBuffer()
                .flatMap(i -> send((int) (i % 2), alice, conversation), 64)
                .collectList()
                .block(Duration.ofSeconds(60));

        assertThat(answers).hasSize(attempts);
        // (the contract below is computed from when the sends were really made, whatever the machine's speed)
        long first = answers.stream().mapToLong(Answer::sentNanos).min().orElseThrow();
        long last = answers.stream().mapToLong(Answer::sentNanos).max().orElseThrow();
        double seconds = (last - first) / 1e9;
        double contract = CAPACITY + PER_SECOND * seconds;
        List<Answer> accepted = answers.stream().filter(a -> a.status() == 201).toList();
        List<Answer> refused = answers.stream().filter(a -> a.status() == 429).toList();
        System.out.printf("REPLICAS send limit: %d sends in %.2f s over 2 instances: %d accepted (%d + %d), contract "
                + "%.1f (%.0f + %.0f/s x %.2f s), %d refused (Retry-After %s)%n", attempts, seconds, accepted.size(),
                accepted.stream().filter(a -> a.instance() == 0).count(),
                accepted.stream().filter(a -> a.instance() == 1).count(), contract, (double) CAPACITY, PER_SECOND,
                seconds, refused.size(), refused.stream().map(Answer::retryAfter).collect(Collectors.toCollection(
                        TreeSet::new)));

        assertThat(accepted.size() + refused.size()).as("every answer is 201 or 429").isEqualTo(attempts);
        assertThat((double) accepted.size()).as("accepted, against the contract's %.1f", contract)
                .isBetween(0.8 * contract, 1.2 * contract);
        assertThat(accepted).extracting(Answer::instance).contains(0, 1);
        assertThat(refused).extracting(Answer::instance).contains(0, 1);
        for (Answer answer : refused) {
            assertThat(answer.contentType()).isNotNull();
            assertThat(answer.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
            assertThat(answer.body().get("code").asString()).isEqualTo("rate_limited");
            assertThat(answer.body().get("status").asInt()).isEqualTo(429);
            assertThat(answer.body().get("type").asString()).isEqualTo("urn:chat:problem:rate_limited");
            assertThat(answer.retryAfter()).as("Retry-After").isNotNull();
            assertThat(Long.parseLong(answer.retryAfter())).isBetween(1L, 3L);
        }

        // the refused stored nothing: history holds exactly the accepted sends
        JsonNode history = clients.get(1).get().uri("/api/v1/conversations/" + conversation + "/messages?limit=200")
                .headers(h -> h.setBearerAuth(TestTokens.token(bob)))
                .retrieve().bodyToMono(JsonNode.class).block(Duration.ofSeconds(10));
        Set<UUID> stored = StreamSupport.stream(history.get("messages").spliterator(), false)
                .map(m -> UUID.fromString(m.get("client_message_id").asString()))
                .collect(Collectors.toSet());
        assertThat(stored).isEqualTo(accepted.stream().map(Answer::clientMessageId).collect(Collectors.toSet()));

        // another user is not limited by alice's sends, on either instance
        assertThat(send(0, bob, conversation).block(Duration.ofSeconds(10)).status()).isEqualTo(201);
        assertThat(send(1, bob, conversation).block(Duration.ofSeconds(10)).status()).isEqualTo(201);
        // and alice may send again once her bucket has refilled a little
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(150))
                .until(() -> send(1, alice, conversation).block(Duration.ofSeconds(10)).status() == 201);
    }

    @Test
    void receiptUpdatesAreCoalescedAcrossInstances() {
        awaitSignalsPartitionsSpreadOverBothInstances();
        String alice = Api.user("alice");
        String carol = Api.user("carol");
        String bob = Api.user("bob");
        UUID conversation = createGroup(0, alice, bob, carol);
        int steps = 40;
        for (int i = 0; i < steps; i++) { // 40 messages within two senders' bursts
            assertThat(send(i % 2, i < steps / 2 ? alice : carol, conversation).block(Duration.ofSeconds(10)).status())
                    .isEqualTo(201);
        }

        List<Long> changedAt = new ArrayList<>();
        try (ChatEventsProbe probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
                Signals signals = new Signals()) {
            // bob's watermarks move every 100 ms for 4 s: REST on instance 0, REST on instance 1, and ack/read
            // frames through chat.signals (applied by whichever instance owns the conversation's partition)
            List<Integer> statuses = Flux.interval(Duration.ZERO, Duration.ofMillis(100))
                    .take(steps)
                    .onBackpressureBuffer()
                    .concatMap(tick -> {
                        long seq = tick + 1;
                        changedAt.add(System.nanoTime());
                        return switch ((int) (seq % 4)) {
                            case 1 -> receipt(0, bob, conversation, Map.of("delivered_seq", seq));
                            case 2 -> receipt(1, bob, conversation, Map.of("read_seq", seq));
                            case 3 -> signal(signals, ChatSignal.ack(conversation, bob, "phone", "ws-1", seq));
                            default -> signal(signals, ChatSignal.read(conversation, bob, "tablet", "ws-2", seq));
                        };
                    })
                    .collectList()
                    .block(Duration.ofSeconds(60));
            assertThat(statuses).hasSize(steps).containsOnly(204);
            double span = (changedAt.getLast() - changedAt.getFirst()) / 1e9;

            await().atMost(Duration.ofSeconds(20)).until(() -> receiptEvents(probe, conversation, bob).stream()
                    .anyMatch(e -> e.frame().get("read_seq").asLong() == steps));
            // and nothing more follows within the next windows
            int seen = receiptEvents(probe, conversation, bob).size();
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10))
                    .until(() -> receiptEvents(probe, conversation, bob).size() == seen);

            List<ChatEvent> events = receiptEvents(probe, conversation, bob);
            // a leading event, then one at the end of every window in which something moved
            long contract = (long) Math.floor(span / (WINDOW.toMillis() / 1000d)) + 2;
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < events.size(); i++) {
                gaps.add(Duration.between(events.get(i - 1).occurredAt(), events.get(i).occurredAt()).toMillis());
            }
            System.out.printf("REPLICAS receipts: %d watermark changes in %.2f s over 2 instances and chat.signals: "
                    + "%d receipt.updated (contract at most %d), gaps %s ms, last %s%n", steps, span, events.size(),
                    contract, gaps, events.getLast().frame());

            assertThat((double) events.size()).as("receipt.updated events, against the contract's at most %d", contract)
                    .isLessThanOrEqualTo(1.2 * contract);
            assertThat(gaps).as("time between two receipt.updated of the pair").allSatisfy(
                    gap -> assertThat(gap).isGreaterThanOrEqualTo((long) (0.8 * WINDOW.toMillis())));
            JsonNode last = events.getLast().frame();
            assertThat(last.get("delivered_seq").asLong()).isEqualTo(steps);
            assertThat(last.get("read_seq").asLong()).isEqualTo(steps);
            assertThat(events.stream().map(e -> e.frame().get("read_seq").asLong()).toList())
                    .as("published watermarks only move forward").isSorted();
        }
        JsonNode view = clients.get(1).get().uri("/api/v1/conversations/" + conversation)
                .headers(h -> h.setBearerAuth(TestTokens.token(bob)))
                .retrieve().bodyToMono(JsonNode.class).block(Duration.ofSeconds(10));
        assertThat(view.get("my_read_seq").asLong()).isEqualTo(steps);
    }

    // ---------------------------------------------------------------- helpers

    private Mono<Answer> send(int instance, String user, UUID conversation) {
        return Mono.defer(() -> {
            long sentNanos = System.nanoTime();
            UUID clientMessageId = UUID.randomUUID();
            return clients.get(instance).post().uri("/api/v1/messages")
                    .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("conversation_id", conversation, "client_message_id", clientMessageId,
                            "content", "at " + Instant.now()))
                    .exchangeToMono(r -> r.bodyToMono(JsonNode.class)
                            .map(body -> new Answer(instance, sentNanos, r.statusCode().value(),
                                    r.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER),
                                    r.headers().contentType().orElse(null), body, clientMessageId)));
        });
    }

    private Mono<Integer> receipt(int instance, String user, UUID conversation, Map<String, Long> body) {
        return clients.get(instance).post().uri("/api/v1/conversations/" + conversation + "/receipts")
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()));
    }

    /** A frame as a websocket node would write it (off the Reactor threads: the producer's send blocks). */
    private static Mono<Integer> signal(Signals signals, ChatSignal signal) {
        return Mono.fromCallable(() -> {
            signals.send(signal);
            return 204;
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private UUID createDirect(int instance, String user, String other) {
        return create(instance, user, Map.of("type", "direct", "participant_ids", List.of(other)));
    }

    private UUID createGroup(int instance, String owner, String... others) {
        return create(instance, owner, Map.of("type", "group", "participant_ids", List.of(others), "title", "replicas"));
    }

    private UUID create(int instance, String user, Map<String, Object> body) {
        JsonNode created = clients.get(instance).post().uri("/api/v1/conversations")
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .retrieve().bodyToMono(JsonNode.class).block(Duration.ofSeconds(10));
        return UUID.fromString(created.get("id").asString());
    }

    private static List<ChatEvent> receiptEvents(ChatEventsProbe probe, UUID conversation, String user) {
        return probe.events(conversation, EventTypes.RECEIPT_UPDATED).stream()
                .filter(e -> user.equals(e.frame().get("user_id").asString()))
                .toList();
    }

    /** Both instances consume chat.signals in one group: wait until the partitions are spread over both. */
    private void awaitSignalsPartitionsSpreadOverBothInstances() {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Set<Integer> partitions = new HashSet<>();
            for (int i = 0; i < replicas.size(); i++) {
                MessageListenerContainer container = replicas.context(i).getBean(KafkaListenerEndpointRegistry.class)
                        .getListenerContainer("chat-signals");
                if (container == null || container.getAssignedPartitions() == null
                        || container.getAssignedPartitions().isEmpty()) {
                    return false;
                }
                container.getAssignedPartitions().forEach(p -> partitions.add(p.partition()));
            }
            return partitions.size() == ChatInfra.PARTITIONS;
        });
    }
}
