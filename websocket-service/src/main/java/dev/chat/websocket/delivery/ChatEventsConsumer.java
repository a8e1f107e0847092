package dev.chat.websocket.delivery;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

/**
 * Reads every partition of {@code chat.events}, from the latest offset, on every node.
 *
 * <p>Every node needs every event (its users' sessions may be anywhere), so there is no consumer
 * group: a group would split the partitions among nodes and add join/rebalance delays. Instead, at
 * start-up, this finds the topic's partitions, records their end offsets explicitly, and hands them
 * to a spring-kafka container as {@link TopicPartitionOffset}s (manual assignment, no group.id,
 * nothing committed). The container seeks to exactly those offsets before its first poll; only then
 * is the node ready ({@link #isAssigned}), so anything produced after readiness is delivered.
 *
 * <p>Discovery runs on its own thread and retries until the broker answers, so the service starts
 * (not ready) without Kafka. Once running, the Kafka client reconnects by itself when the broker
 * goes away and continues from its in-memory position; an offset the broker no longer has resets to
 * the latest ({@code auto.offset.reset=latest}).
 */
@Component
class ChatEventsConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ChatEventsConsumer.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MIN_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(15);

    private final KafkaAdmin kafkaAdmin;
    private final String topic = Topics.CHAT_EVENTS;
    private final ConsumerFactory<String, String> consumerFactory;
    private final ChatEventsListener listener;
    private final State state = new State();

    private ScheduledExecutorService discovery;
    private KafkaMessageListenerContainer<String, String> container;
    private volatile boolean running;
    private int attempts;

    ChatEventsConsumer(KafkaAdmin kafkaAdmin, ConsumerFactory<?, ?> bootConsumerFactory,
            EventDelivery delivery) {
        this.kafkaAdmin = kafkaAdmin;
        this.consumerFactory = consumerFactory(bootConsumerFactory.getConfigurationProperties());
        this.listener = new ChatEventsListener(delivery, state);
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
            Thread thread = new Thread(runnable, "chat-events-discovery");
            thread.setDaemon(true);
            return thread;
        });
        discovery.execute(this::discoverAndStart);
    }

    private void discoverAndStart() {
        Map<TopicPartition, Long> offsets;
        try {
            offsets = endOffsets();
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
            state.discovered(offsets);
            container = container(offsets);
            container.start();
        }
        log.info("Reading {} from offsets {}", topic, new TreeMap<>(state.offsetsByPartition(offsets)));
    }

    private synchronized void retryLater(Exception e) {
        if (!running) {
            return;
        }
        attempts++;
        long delay = Math.min(MAX_RETRY.toMillis(), MIN_RETRY.toMillis() << Math.min(attempts, 5));
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        state.failed(cause);
        log.warn("Cannot read {} partitions yet (attempt {}, retrying in {} ms): {}", topic, attempts, delay,
                cause.toString());
        discovery.schedule(this::discoverAndStart, delay, TimeUnit.MILLISECONDS);
    }

    /** The topic's partitions and their current end offsets; creates the topic if it is missing. */
    private Map<TopicPartition, Long> endOffsets() throws Exception {
        Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
        try (Admin admin = Admin.create(config)) {
            TopicDescription description;
            try {
                description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    // KafkaAdmin could not create it at start-up (broker down then): try again now
                    kafkaAdmin.initialize();
                }
                throw e;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                    OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, Long> offsets = new HashMap<>();
            ends.forEach((partition, info) -> offsets.put(partition, info.offset()));
            return offsets;
        }
    }

    private KafkaMessageListenerContainer<String, String> container(Map<TopicPartition, Long> offsets) {
        TopicPartitionOffset[] assignment = offsets.entrySet().stream()
                .map(e -> new TopicPartitionOffset(e.getKey().topic(), e.getKey().partition(), e.getValue()))
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
        container.setBeanName("chat-events");
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

    /** True once the consumer is assigned every partition at the recorded end offsets and running. */
    boolean isAssigned() {
        KafkaMessageListenerContainer<String, String> current;
        synchronized (this) {
            current = container;
        }
        return current != null && current.isRunning() && state.isAssigned();
    }

    State state() {
        return state;
    }

    /** What the consumer is doing, for the readiness indicator. */
    static final class State {

        private volatile Map<TopicPartition, Long> recorded;
        private volatile Map<TopicPartition, Long> assigned;
        private volatile String lastError;

        void discovered(Map<TopicPartition, Long> offsets) {
            this.recorded = Map.copyOf(offsets);
            this.assigned = null;
        }

        void assigned(Map<TopicPartition, Long> positions) {
            this.assigned = Map.copyOf(positions);
            this.lastError = null;
        }

        void failed(Throwable cause) {
            this.lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }

        void stopped() {
            this.assigned = null;
        }

        /** Assigned every recorded partition, positioned at the recorded offsets. */
        boolean isAssigned() {
            Map<TopicPartition, Long> want = recorded;
            Map<TopicPartition, Long> have = assigned;
            return want != null && have != null && have.keySet().equals(want.keySet());
        }

        Map<TopicPartition, Long> recorded() {
            return recorded;
        }

        String lastError() {
            return lastError;
        }

        Map<Integer, Long> offsetsByPartition(Map<TopicPartition, Long> offsets) {
            Map<Integer, Long> byPartition = new TreeMap<>();
            if (offsets != null) {
                offsets.forEach((partition, offset) -> byPartition.put(partition.partition(), offset));
            }
            return byPartition;
        }
    }
}
