package dev.chat.websocket.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ContainerProperties.AssignmentCommitOption;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.support.TopicPartitionOffset;
import org.springframework.stereotype.Component;

import dev.chat.shared.event.Topics;
import dev.chat.websocket.presence.PresenceDelivery;
import dev.chat.websocket.revocation.RevocationStore;

/**
 * Reads the three topics every node needs whole, on every node, with one consumer:
 * {@code chat.events} and {@code chat.presence.updates} from their latest offsets, and
 * {@code chat.revocations} (compacted) from the beginning. {@link BroadcastListener} dispatches each
 * record by topic.
 *
 * <p>Every node needs every record (its users' sessions may be anywhere), so there is no consumer
 * group: a group would split the partitions among nodes and add join/rebalance delays. Instead, at
 * start-up, this finds the topics' partitions, records their end offsets explicitly, and hands them
 * to a spring-kafka container as {@link TopicPartitionOffset}s (manual assignment, no group.id,
 * nothing committed). The container seeks to exactly those offsets (the beginning, for revocations)
 * before its first poll. The node is ready ({@link #isReady}) once every partition is assigned and the
 * revocations are read up to the end offsets recorded at start: anything produced to the latest-read
 * topics after readiness is delivered, and no token revoked before the start is accepted.
 *
 * <p>Discovery runs on its own thread and retries until the broker answers, so the service starts
 * (not ready) without Kafka. Once running, the Kafka client reconnects by itself when the broker
 * goes away and continues from its in-memory position; an offset the broker no longer has resets to
 * the latest ({@code auto.offset.reset=latest}).
 */
@Component
class BroadcastConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BroadcastConsumer.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MIN_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(15);

    /** Read from the end offsets recorded at start. */
    static final List<String> FROM_LATEST = List.of(Topics.CHAT_EVENTS, Topics.CHAT_PRESENCE_UPDATES);
    /** Read from the beginning; ready once read up to the end offsets recorded at start. */
    static final String FROM_BEGINNING = Topics.CHAT_REVOCATIONS;

    private final KafkaAdmin kafkaAdmin;
    private final ConsumerFactory<String, String> consumerFactory;
    private final BroadcastListener listener;
    private final State state = new State();

    private ScheduledExecutorService discovery;
    private KafkaMessageListenerContainer<String, String> container;
    private volatile boolean running;
    private int attempts;

    BroadcastConsumer(KafkaAdmin kafkaAdmin, ConsumerFactory<?, ?> bootConsumerFactory, EventDelivery events,
            PresenceDelivery presence, RevocationStore revocations) {
        this.kafkaAdmin = kafkaAdmin;
        this.consumerFactory = consumerFactory(bootConsumerFactory.getConfigurationProperties());
        this.listener = new BroadcastListener(events, presence, revocations, state);
    }

    /**
     * Boot's consumer settings (bootstrap servers, security, timeouts) with what this consumer's
     * correctness depends on forced: String values, no group, no commits, latest on a lost position.
     */
    static ConsumerFactory<String, String> consumerFactory(Map<String, Object> bootConfig) {
        Map<String, Object> config = new HashMap<>(bootConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return new DefaultKafkaConsumerFactory<>(config, new StringDeserializer(), new StringDeserializer());
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        attempts = 0;
        discovery = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broadcast-discovery");
            thread.setDaemon(true);
            return thread;
        });
        discovery.execute(this::discoverAndStart);
    }

    private void discoverAndStart() {
        Map<TopicPartition, Long> ends;
        try {
            ends = endOffsets();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            retryLater(e);
            return;
        }
        synchronized (this) {
            if (!running) {
                return;
            }
            state.discovered(ends);
            container = container(ends);
            container.start();
        }
        log.info("Reading {} from offsets {}, {} from the beginning up to {}", FROM_LATEST,
                State.byTopicAndPartition(ends, FROM_LATEST), FROM_BEGINNING,
                State.byTopicAndPartition(ends, List.of(FROM_BEGINNING)));
    }

    private synchronized void retryLater(Exception e) {
        if (!running) {
            return;
        }
        attempts++;
        long delay = Math.min(MAX_RETRY.toMillis(), MIN_RETRY.toMillis() << Math.min(attempts, 5));
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        state.failed(cause);
        log.warn("Cannot read the partitions of {} and {} yet (attempt {}, retrying in {} ms): {}", FROM_LATEST,
                FROM_BEGINNING, attempts, delay, cause.toString());
        discovery.schedule(this::discoverAndStart, delay, TimeUnit.MILLISECONDS);
    }

    /** The topics' partitions and their current end offsets; creates topics that are missing. */
    private Map<TopicPartition, Long> endOffsets() throws Exception {
        Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
        List<String> topics = new ArrayList<>(FROM_LATEST);
        topics.add(FROM_BEGINNING);
        try (Admin admin = Admin.create(config)) {
            Map<String, TopicDescription> descriptions;
            try {
                descriptions = admin.describeTopics(topics).allTopicNames()
                        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    // KafkaAdmin could not create them at start-up (broker down then): try again now
                    kafkaAdmin.initialize();
                }
                throw e;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            descriptions.values().forEach(description -> description.partitions().forEach(p ->
                    latest.put(new TopicPartition(description.name(), p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, Long> offsets = new HashMap<>();
            ends.forEach((partition, info) -> offsets.put(partition, info.offset()));
            return offsets;
        }
    }

    private KafkaMessageListenerContainer<String, String> container(Map<TopicPartition, Long> ends) {
        TopicPartitionOffset[] assignment = ends.entrySet().stream()
                .map(e -> FROM_BEGINNING.equals(e.getKey().topic())
                        ? new TopicPartitionOffset(e.getKey().topic(), e.getKey().partition(),
                                TopicPartitionOffset.SeekPosition.BEGINNING)
                        : new TopicPartitionOffset(e.getKey().topic(), e.getKey().partition(), e.getValue()))
                .toArray(TopicPartitionOffset[]::new);
        ContainerProperties properties = new ContainerProperties(assignment);
        properties.setMessageListener(listener);
        // no group: spring-kafka then never commits (manual assignment without group.id)
        properties.setGroupId(null);
        properties.setAssignmentCommitOption(AssignmentCommitOption.NEVER);
        properties.setAuthExceptionRetryInterval(Duration.ofSeconds(10));
        properties.setPollTimeout(1000);
        properties.setShutdownTimeout(5000);
        KafkaMessageListenerContainer<String, String> container =
                new KafkaMessageListenerContainer<>(consumerFactory, properties);
        container.setBeanName("chat-broadcast");
        return container;
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (discovery != null) {
            discovery.shutdownNow();
            discovery = null;
        }
        if (container != null) {
            container.stop();
            container = null;
        }
        state.stopped();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // starts after the web server, stops after the sessions are closed (SessionShutdown)
        return SmartLifecycle.DEFAULT_PHASE - 100;
    }

    /** True once every partition is assigned at its recorded offset, the revocations are read up to the
     * recorded end, and the container runs. */
    boolean isReady() {
        KafkaMessageListenerContainer<String, String> current;
        synchronized (this) {
            current = container;
        }
        return current != null && current.isRunning() && state.isReady();
    }

    State state() {
        return state;
    }

    /** What the consumer is doing, for the readiness indicator. Updated on the consumer thread. */
    static final class State {

        private volatile Map<TopicPartition, Long> recorded;
        private volatile Map<TopicPartition, Long> assigned;
        /** Revocation partitions not yet read up to their recorded end offset. */
        private final Set<TopicPartition> catchingUp = ConcurrentHashMap.newKeySet();
        private volatile String lastError;

        void discovered(Map<TopicPartition, Long> endOffsets) {
            this.recorded = Map.copyOf(endOffsets);
            this.assigned = null;
            catchingUp.clear();
            endOffsets.forEach((partition, end) -> {
                if (FROM_BEGINNING.equals(partition.topic()) && end > 0) {
                    catchingUp.add(partition);
                }
            });
        }

        /** The positions after the initial seeks. */
        void assigned(Map<TopicPartition, Long> positions) {
            this.assigned = Map.copyOf(positions);
            this.lastError = null;
            positions.forEach(this::reached);
        }

        /** The consumer is at {@code position} of the partition (the next offset it will read). */
        void reached(TopicPartition partition, long position) {
            Map<TopicPartition, Long> want = recorded;
            if (want != null && catchingUp.contains(partition) && position >= want.getOrDefault(partition, 0L)) {
                catchingUp.remove(partition);
            }
        }

        void failed(Throwable cause) {
            this.lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }

        void stopped() {
            this.assigned = null;
        }

        /** Assigned every recorded partition, positioned at the recorded offsets (the latest-read topics). */
        boolean isAssigned() {
            Map<TopicPartition, Long> want = recorded;
            Map<TopicPartition, Long> have = assigned;
            return want != null && have != null && have.keySet().equals(want.keySet());
        }

        /** Assigned, and the revocations read up to the end offsets recorded at start. */
        boolean isReady() {
            return isAssigned() && catchingUp.isEmpty();
        }

        boolean isCatchingUp() {
            return !catchingUp.isEmpty();
        }

        Map<TopicPartition, Long> recorded() {
            return recorded;
        }

        String lastError() {
            return lastError;
        }

        /** {@code {topic: {partition: offset}}}, sorted, for logs and the health details. */
        static Map<String, Map<Integer, Long>> byTopicAndPartition(Map<TopicPartition, Long> offsets,
                List<String> topics) {
            Map<String, Map<Integer, Long>> byTopic = new TreeMap<>();
            if (offsets != null) {
                offsets.forEach((partition, offset) -> {
                    if (topics.contains(partition.topic())) {
                        byTopic.computeIfAbsent(partition.topic(), t -> new TreeMap<>())
                                .put(partition.partition(), offset);
                    }
                });
            }
            return byTopic;
        }
    }
}
