package dev.chat.message.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.shared.event.ChatEvent;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * How the relay behaves when publishing fails: a record the broker refuses for good holds up nothing
 * but the later events of its own conversation, and is dead-lettered after its attempts; a broker
 * outage is retried until it ends, dead-letters nothing and loses nothing. (The broker is real; the
 * faults are made at the producer, see {@link ProducerFaults}.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.outbox.sweep-interval=200ms",
        "chat.outbox.max-attempts=3",
        "chat.outbox.retry-backoff=2s",
        "chat.outbox.max-transient-backoff=500ms" })
@AutoConfigureWebTestClient(timeout = "30s")
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class,
        ProducerFaults.class })
class OutboxFailuresIT {

    @Autowired
    WebTestClient client;

    @Autowired
    DatabaseClient db;

    @Autowired
    MeterRegistry meters;

    ChatEventsProbe probe;
    Api api;

    @BeforeEach
    void listen() {
        api = new Api(client);
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void stop() {
        ProducerFaults.clear();
        probe.close();
    }

    @Test
    void aRefusedRecordHoldsUpOnlyItsConversationAndIsDeadLetteredAfterItsAttempts() {
        String alice = Api.user("alice");
        UUID bad = api.direct(alice, Api.user("bob"));
        List<UUID> others = new ArrayList<>();
        List<String> senders = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String sender = Api.user("sender" + i);
            senders.add(sender);
            others.add(api.direct(sender, Api.user("receiver" + i)));
        }
        api.send(alice, bad, "before the refused one");
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.eventsOf(bad).size() == 1);
        double deadBefore = counter("chat.outbox.dead_lettered");

        String marker = "refused-" + UUID.randomUUID();
        ProducerFaults.REFUSED.set(marker);
        api.send(alice, bad, "this one the broker refuses " + marker);
        api.send(alice, bad, "after 1");
        api.send(alice, bad, "after 2");
        for (int round = 1; round <= 2; round++) {
            for (int i = 0; i < others.size(); i++) {
                api.send(senders.get(i), others.get(i), "other conversation, message " + round);
            }
        }

        // every other conversation flows at once: each message once, in order
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    probe.poll();
                    return others.stream().allMatch(c -> probe.seen(c).size() >= 2);
                });
        for (UUID other : others) {
            assertThat(probe.eventsOf(other)).extracting(ChatEvent::seq).containsExactly(1L, 2L);
        }
        // the refused conversation waits behind its refused record (retried after 2 s, the third attempt after 6 s)
        assertThat(waitingFor(bad)).isEqualTo(1);
        assertThat(probe.eventsOf(bad)).extracting(ChatEvent::seq).containsExactly(1L);

        // dead-lettered after 3 attempts; then the later events go out, in order, and nothing twice
        await().atMost(Duration.ofSeconds(20)).until(() -> probe.eventsOf(bad).size() >= 3);
        assertThat(probe.eventsOf(bad)).extracting(ChatEvent::seq).containsExactly(1L, 3L, 4L);
        Map<String, Object> letter = deadLetterOf(bad);
        assertThat(letter).containsEntry("event_type", "message.created").containsEntry("attempts", 3);
        assertThat((String) letter.get("last_error")).startsWith("RecordTooLargeException");
        assertThat((String) letter.get("payload")).contains(marker);
        assertThat(counter("chat.outbox.dead_lettered")).isEqualTo(deadBefore + 1);
        assertThat(pendingFor(bad)).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> client.get().uri("/actuator/health/outbox").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.outboxRelay.details.dead_letters").value(n -> assertThat(((Number) n).longValue()).isPositive()));
        assertThat(meters.get("chat.outbox.dead_letters").gauge().value()).isPositive();

        // an operator replays it once the cause is gone: published once more, as it was
        ProducerFaults.clear();
        Integer replayed = db.sql("SELECT replay_outbox_dead_letters(ARRAY[CAST(:id AS bigint)])")
                .bind("id", letter.get("id")).map(row -> row.get(0, Integer.class)).one().block();
        assertThat(replayed).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.eventsOf(bad).size() >= 4);
        assertThat(probe.eventsOf(bad)).extracting(ChatEvent::seq).containsExactly(1L, 3L, 4L, 2L);
        assertThat(deadLetterOf(bad)).isNull();
    }

    @Test
    void sendsMadeWhileTheBrokerIsAwayArePublishedOnceInOrderAndNothingIsDeadLettered() {
        String alice = Api.user("alice");
        UUID conversation = api.direct(alice, Api.user("bob"));
        double transientBefore = failures("transient");
        double permanentBefore = failures("permanent");
        ProducerFaults.OUTAGE.set(true);
        for (int i = 1; i <= 5; i++) {
            JsonNode sent = api.send(alice, conversation, "during the outage " + i);
            assertThat(sent.get("seq").asLong()).isEqualTo(i);
        }
        // the relay tried, failed, and keeps every event (several tries: the lane backs off, never gives up)
        await().atMost(Duration.ofSeconds(10)).until(() -> failures("transient") >= transientBefore + 5);
        assertThat(pendingFor(conversation)).isEqualTo(5);
        assertThat(probe.eventsOf(conversation)).isEmpty();

        ProducerFaults.OUTAGE.set(false);

        await().atMost(Duration.ofSeconds(30)).until(() -> probe.eventsOf(conversation).size() >= 5);
        assertThat(probe.eventsOf(conversation)).extracting(ChatEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 5).boxed().toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> pendingFor(conversation) == 0);
        assertThat(deadLetterOf(conversation)).isNull();
        assertThat(failures("permanent")).isEqualTo(permanentBefore);
    }

    private double counter(String name) {
        Counter counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private double failures(String kind) {
        Counter counter = meters.find("chat.outbox.failures").tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }

    private long pendingFor(UUID conversation) {
        return db.sql("SELECT count(*) FROM outbox WHERE event_key = :key").bind("key", conversation.toString())
                .map(row -> row.get(0, Long.class)).one().block();
    }

    private long waitingFor(UUID conversation) {
        return db.sql("SELECT count(*) FROM outbox WHERE event_key = :key AND next_attempt_at IS NOT NULL")
                .bind("key", conversation.toString())
                .map(row -> row.get(0, Long.class)).one().block();
    }

    private Map<String, Object> deadLetterOf(UUID conversation) {
        return db.sql("SELECT id, event_type, attempts, last_error, payload FROM outbox_dead_letters WHERE event_key = :key")
                .bind("key", conversation.toString())
                .fetch().one().block();
    }
}
