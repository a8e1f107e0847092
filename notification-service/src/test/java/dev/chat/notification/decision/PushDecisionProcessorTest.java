package dev.chat.notification.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.chat.notification.push.PushProperties;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The decision processor on Kafka Streams' TopologyTestDriver: record timestamps and the wall clock are set by
 * the test, so "within the grace period", "after the deadline" and "a backlog" are exact.
 */
class PushDecisionProcessorTest {

    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final List<List<PendingPush>> dispatched = new ArrayList<>();
    private final List<Consumer<DecisionResult>> callbacks = new ArrayList<>();
    private final List<PushDecisionProcessor> processors = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> events;
    private TestInputTopic<String, byte[]> signals;
    private Path stateDir;
    private final UUID conversation = UUID.randomUUID();

    @BeforeEach
    void setUp() throws Exception {
        stateDir = Files.createTempDirectory("decision-test");
        PushProperties properties = new PushProperties(GRACE, true, "New message", 100, Duration.ofHours(24),
                Duration.ofHours(1), Duration.ofMillis(100), 100, Duration.ofSeconds(30), Duration.ofHours(24),
                Duration.ofDays(2), 20, "", new PushProperties.Retry(5, Duration.ofSeconds(1), Duration.ofMinutes(1),
                        Duration.ofMinutes(10)), new PushProperties.DeadLetters(Duration.ofSeconds(5)),
                new PushProperties.Fcm(null, null, null, 10, Duration.ofSeconds(10)),
                new PushProperties.Apns(null, null, null, null, null, null, null, 1, 10, Duration.ofSeconds(10)));
        DueDecisions sink = new DueDecisions() {
            @Override
            public int capacity() {
                return 100;
            }

            @Override
            public void dispatch(List<PendingPush> due, Consumer<DecisionResult> onResult) {
                dispatched.add(due);
                callbacks.add(onResult);
            }
        };
        DecisionMetrics metrics = new DecisionMetrics(new SimpleMeterRegistry());
        Topology topology = new Topology();
        topology.addSource("events", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.CHAT_EVENTS);
        topology.addSource("signals", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.CHAT_SIGNALS);
        topology.addProcessor("decide", () -> {
            PushDecisionProcessor processor = new PushDecisionProcessor(properties, new PushAudience.EventRecipients(),
                    sink, metrics);
            processors.add(processor);
            return processor;
        }, "events", "signals");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PushDecisionProcessor.PENDING),
                Serdes.String(), new JsonSerde<>(PendingPush.class)), "decide");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PushDecisionProcessor.WATERMARKS),
                Serdes.String(), new JsonSerde<>(Watermark.class)), "decide");
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "decision-test");
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, config, T0);
        events = driver.createInputTopic(Topics.CHAT_EVENTS, new StringSerializer(), new ByteArraySerializer());
        signals = driver.createInputTopic(Topics.CHAT_SIGNALS, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void aMessageIsDueAtItsBrokerTimestampPlusTheGracePeriod() {
        created(1, T0, "bob");
        driver.advanceWallClockTime(Duration.ofMillis(1900));
        assertThat(dispatched).isEmpty();
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0).get(0).users()).containsExactly("bob");
        assertThat(dispatched.get(0).get(0).deadline()).isEqualTo(T0.plus(GRACE).toEpochMilli());
    }

    @Test
    void onlyUsersWhoAckedNothingCoveringItRemainAndTheSenderNever() {
        created(1, T0, "bob", "carol", "alice"); // alice is the sender
        ack("bob", 1, T0.plusMillis(500));
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0).get(0).users()).containsExactly("carol");
    }

    @Test
    void whenEveryoneAckedTheDecisionIsGoneAndAnAckBeforeTheEventCountsToo() {
        ack("bob", 5, T0); // the ack's partition was read first
        created(5, T0.plusMillis(1), "bob");
        created(6, T0.plusMillis(2), "bob");
        ack("bob", 6, T0.plusMillis(100));
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).isEmpty();
    }

    @Test
    void whileABacklogIsProcessedADeadlineIsNotOvertakenByTheClock() {
        // the service was down: the wall clock is a minute ahead of these records
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        created(1, T0, "bob");
        created(2, T0.plusMillis(10), "bob");
        // the first tick after a record: time is what the records say (T0 + 10 ms): nothing is due yet,
        // even though the wall clock is far past both deadlines
        driver.advanceWallClockTime(Duration.ofMillis(100));
        assertThat(dispatched).isEmpty();
        // bob's ack for seq 1 was in the backlog too, 1 s after the message
        ack("bob", 1, T0.plusSeconds(1));
        driver.advanceWallClockTime(Duration.ofMillis(100));
        assertThat(dispatched).isEmpty();
        // a record past seq 2's deadline: seq 2 is due, seq 1 was acked in time
        ack("carol", 9, T0.plusSeconds(3));
        driver.advanceWallClockTime(Duration.ofMillis(100));
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0)).extracting(PendingPush::seq).containsExactly(2L);
    }

    @Test
    void aReadOverRestOrWebSocketCoversTheMessage() {
        created(1, T0, "bob");
        created(2, T0, "bob");
        receipt("bob", 1, 1, T0.plusMillis(200));
        read("bob", 2, T0.plusMillis(300));
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).isEmpty();
    }

    @Test
    void aDeletedMessageIsNotPushedAndAnEditedOneCarriesItsNewContent() {
        ChatMessage deleted = created(1, T0, "bob");
        ChatMessage edited = created(2, T0, "bob");
        event(EventTypes.MESSAGE_DELETED, deleted, T0.plusMillis(100));
        event(EventTypes.MESSAGE_UPDATED, new ChatMessage(edited.id(), conversation, 2, "alice", "Alice", null, "text",
                "fixed", List.of(), null, List.of(), T0, T0.plusMillis(200), false), T0.plusMillis(200));
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0)).extracting(PendingPush::content).containsExactly("fixed");
    }

    @Test
    void aDecisionStaysUntilTheDispatcherReportsItDoneAndIsRetriedWhenAsked() {
        created(1, T0, "bob");
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        idle(Duration.ofSeconds(1));
        assertThat(dispatched).hasSize(1); // in flight: not handed out twice

        long retryAt = T0.plusSeconds(10).toEpochMilli();
        callbacks.get(0).accept(DecisionResult.retryAt(dispatched.get(0).get(0).key(), retryAt));
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        idle(Duration.ofSeconds(4));
        assertThat(dispatched).hasSize(2);

        callbacks.get(1).accept(DecisionResult.done(dispatched.get(1).get(0).key()));
        idle(Duration.ofSeconds(30));
        assertThat(dispatched).hasSize(2);
        assertThat(driver.<String, PendingPush>getKeyValueStore(PushDecisionProcessor.PENDING)
                .get(dispatched.get(1).get(0).key())).isNull();
    }

    @Test
    void thePendingCountIsExactAfterAMessageIsDeletedWhileItsPushIsInFlight() {
        ChatMessage message = created(1, T0, "bob");
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        assertThat(pendingCount()).isEqualTo(1); // in flight

        event(EventTypes.MESSAGE_DELETED, message, T0.plusSeconds(3));
        callbacks.get(0).accept(DecisionResult.done(dispatched.get(0).get(0).key()));
        idle(Duration.ofMillis(500));
        assertThat(pendingCount()).isZero();
    }

    @Test
    void aRedeliveredEventDoesNotOpenASecondDecision() {
        ChatEvent event = createdEvent(1, "bob");
        events.pipeInput(conversation.toString(), json(event), T0);
        events.pipeInput(conversation.toString(), json(event), T0.plusMillis(500));
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0)).hasSize(1);
    }

    @Test
    void anUnreadableOrNewerVersionRecordIsSkippedAndTheNextOneStillDecided() {
        events.pipeInput(conversation.toString(), "not json".getBytes(), T0);
        ChatEvent future = createdEvent(1, "bob");
        future = new ChatEvent(future.eventId(), future.type(), 99, future.occurredAt(), future.conversationId(), 1L,
                future.recipients(), future.frame(), future.conversation());
        events.pipeInput(conversation.toString(), json(future), T0);
        created(2, T0, "bob");
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0)).extracting(PendingPush::seq).containsExactly(2L);
    }

    @Test
    void aMessageOlderThanTheMaximumAgeIsNotPushed() {
        driver.advanceWallClockTime(Duration.ofHours(2));
        created(1, T0, "bob");
        idle(Duration.ofSeconds(3));
        assertThat(dispatched).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private long pendingCount() {
        return processors.stream().mapToLong(PushDecisionProcessor::pendingCount).sum();
    }

    /** Ticks with no records arriving: the task is caught up, the wall clock decides. */
    private void idle(Duration duration) {
        for (long ms = 0; ms < duration.toMillis(); ms += 100) {
            driver.advanceWallClockTime(Duration.ofMillis(100));
        }
    }

    private ChatMessage created(long seq, Instant at, String... pushUsers) {
        ChatEvent event = createdEvent(seq, pushUsers);
        events.pipeInput(conversation.toString(), json(event), at);
        return ChatJson.mapper().treeToValue(event.frame().get("message"), ChatMessage.class);
    }

    private ChatEvent createdEvent(long seq, String... pushUsers) {
        ChatMessage message = new ChatMessage(UUID.randomUUID(), conversation, seq, "alice", "Alice", null, "text",
                "message " + seq, List.of(), null, List.of(), T0, null, false);
        List<Recipient> recipients = new ArrayList<>();
        for (String user : pushUsers) {
            recipients.add(new Recipient(user, true));
        }
        recipients.add(new Recipient("alice", false));
        return ChatEvent.of(EventTypes.MESSAGE_CREATED, conversation, seq, recipients, T0, Map.of("message", message))
                .withConversation(new ChatEvent.ConversationSummary("direct", null));
    }

    private void event(String type, ChatMessage message, Instant at) {
        ChatEvent event = ChatEvent.of(type, conversation, message.seq(), List.of(new Recipient("bob", false)), at,
                Map.of("message", message));
        events.pipeInput(conversation.toString(), json(event), at);
    }

    private void receipt(String user, long delivered, long read, Instant at) {
        ChatEvent event = ChatEvent.of(EventTypes.RECEIPT_UPDATED, conversation, null, List.of(new Recipient(user, false)),
                at, Map.of("conversation_id", conversation, "user_id", user, "delivered_seq", delivered, "read_seq", read));
        events.pipeInput(conversation.toString(), json(event), at);
    }

    private void ack(String user, long seq, Instant at) {
        signals.pipeInput(conversation.toString(), json(ChatSignal.ack(conversation, user, "s", "n", seq)), at);
    }

    private void read(String user, long seq, Instant at) {
        signals.pipeInput(conversation.toString(), json(ChatSignal.read(conversation, user, "s", "n", seq)), at);
    }

    private static byte[] json(Object value) {
        return ChatJson.mapper().writeValueAsBytes(value);
    }
}
