package dev.chat.notification.decision;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.chat.notification.push.PushProperties;
import dev.chat.shared.event.ChatTopicProperties;
import dev.chat.shared.event.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

/**
 * Runs the push decision as a Kafka Streams application ({@code spring.kafka.streams.application-id},
 * {@code chat-notification}): one sub-topology reading {@code chat.events} and {@code chat.signals}
 * (co-partitioned: same key, same partition count), so each task sees one partition of both, with the
 * {@link PushDecisionProcessor} and its two persistent stores ({@code push-pending}, {@code push-watermarks},
 * RocksDB under {@code spring.kafka.streams.state-dir}, each with a compacted changelog topic
 * {@code chat-notification-<store>-changelog} that Kafka Streams creates and restores from).
 *
 * <p>Started after the rest of the context (the dispatcher must exist), stopped first on shutdown.
 * A stream thread that dies is replaced; the state survives in the changelog.
 */
@Component
public class PushDecisionStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PushDecisionStreams.class);

    private final KafkaProperties kafka;
    private final ChatTopicProperties topics;
    private final PushProperties properties;
    private final DueDecisions sink;
    private final DecisionMetrics metrics;
    private final MeterRegistry registry;
    private final PushAudience audience = new PushAudience.EventRecipients();
    private volatile KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;

    PushDecisionStreams(KafkaProperties kafka, ChatTopicProperties topics, PushProperties properties,
            DueDecisions sink, DecisionMetrics metrics, MeterRegistry registry) {
        this.kafka = kafka;
        this.topics = topics;
        this.properties = properties;
        this.sink = sink;
        this.metrics = metrics;
        this.registry = registry;
    }

    Topology topology() {
        Topology topology = new Topology();
        topology.addSource("events", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.CHAT_EVENTS);
        topology.addSource("signals", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.CHAT_SIGNALS);
        topology.addProcessor("decide", () -> new PushDecisionProcessor(properties, audience, sink, metrics),
                "events", "signals");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PushDecisionProcessor.PENDING),
                Serdes.String(), new JsonSerde<>(PendingPush.class)), "decide");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PushDecisionProcessor.WATERMARKS),
                Serdes.String(), new JsonSerde<>(Watermark.class)), "decide");
        return topology;
    }

    Properties config() {
        Properties config = new Properties();
        Map<String, Object> fromSpring = kafka.buildStreamsProperties();
        config.putAll(fromSpring);
        config.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, "chat-notification");
        config.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) topics.replicationFactor());
        config.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class);
        if (properties.instanceId() != null && !properties.instanceId().isBlank()) {
            // static membership: a restarted instance gets its tasks back at once (Streams appends the thread index)
            config.put(StreamsConfig.mainConsumerPrefix("group.instance.id"), properties.instanceId().strip());
        }
        return config;
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        KafkaStreams created = new KafkaStreams(topology(), config());
        created.setUncaughtExceptionHandler(e -> {
            log.error("A push decision stream thread failed; replacing it (state is kept in the changelog)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        created.setStateListener((now, before) -> log.info("Push decisions (Kafka Streams): {} -> {}", before, now));
        streamsMetrics = new KafkaStreamsMetrics(created);
        streamsMetrics.bindTo(registry);
        created.start();
        streams = created;
    }

    @Override
    public synchronized void stop() {
        KafkaStreams running = streams;
        streams = null;
        if (running != null) {
            running.close(Duration.ofSeconds(10));
            if (streamsMetrics != null) {
                streamsMetrics.close();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** After the web server and the listeners (default phase): decisions need the senders ready. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }

    /** The Kafka Streams state, for health and tests. */
    public KafkaStreams.State state() {
        KafkaStreams running = streams;
        return running == null ? KafkaStreams.State.NOT_RUNNING : running.state();
    }
}
