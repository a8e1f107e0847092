package dev.chat.websocket.signal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import io.micrometer.core.instrument.MeterRegistry;

import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.event.ChatTopicProperties;
import dev.chat.shared.event.PresenceSignal;
import dev.chat.shared.event.Topics;
import dev.chat.websocket.config.WebSocketProperties;

/**
 * What this node writes to Kafka: client signals ({@code ack}, {@code read}, {@code typing}) to
 * {@code chat.signals} (key: conversation id) and presence signals to {@code chat.presence} (key: user
 * id; node signals: node id, once per partition). Callers never block: each topic has its own bounded
 * {@link KafkaHandOff} and sender thread, so a flood of typing signals cannot crowd presence out, and
 * a broker outage fills the queues (then drops, counted) instead of stalling event loops.
 *
 * <p>The producer: {@code acks=all} with idempotence (a retried batch is not written twice),
 * {@code linger.ms=1} (an ack decides whether a push goes out two seconds later: latency matters more
 * than batching), a bounded delivery timeout, and a record size limit equal to the topics' own.
 *
 * <p>Stops late (after the sessions are closed and their last signals queued): sends what is queued,
 * within five seconds, then closes the producer.
 */
@Component
public class SignalPublisher implements SmartLifecycle, DisposableBean {

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final DefaultKafkaProducerFactory<String, String> producerFactory;
    private final KafkaTemplate<String, String> template;
    private final KafkaHandOff signals;
    private final KafkaHandOff presence;
    private volatile boolean running;

    SignalPublisher(KafkaProperties kafka, ChatTopicProperties topics, WebSocketProperties properties,
            MeterRegistry meters) {
        this.producerFactory = new DefaultKafkaProducerFactory<>(producerConfig(kafka.buildProducerProperties(),
                topics, properties.signals()), new StringSerializer(), new StringSerializer());
        this.producerFactory.setPhysicalCloseTimeout((int) DRAIN_TIMEOUT.toSeconds());
        this.template = new KafkaTemplate<>(producerFactory);
        int capacity = properties.signals().queueCapacity();
        this.signals = new KafkaHandOff(Topics.CHAT_SIGNALS, template, capacity, meters);
        this.presence = new KafkaHandOff(Topics.CHAT_PRESENCE, template, capacity, meters);
    }

    /** Boot's producer settings (servers, security) with what this producer's guarantees depend on forced. */
    static Map<String, Object> producerConfig(Map<String, Object> bootConfig, ChatTopicProperties topics,
            WebSocketProperties.Signals signals) {
        Map<String, Object> config = new HashMap<>(bootConfig);
        long deliveryTimeout = signals.deliveryTimeout().toMillis();
        long requestTimeout = Math.min(10_000, deliveryTimeout / 2);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, signals.maxBlock().toMillis());
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, topics.maxRecordBytes());
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        return config;
    }

    /**
     * Queues a client signal for {@code chat.signals}; false when it was dropped (queue full, stopping).
     * Typing is dropped already once the queue is half full: it expires by itself, acks must get through.
     */
    public boolean publish(ChatSignal signal) {
        String key = signal.conversationId().toString();
        return ChatSignal.TYPING.equals(signal.type()) ? signals.offerUnlessBusy(key, signal) : signals.offer(key, signal);
    }

    /** Queues a session signal for {@code chat.presence} (key: the user). */
    public boolean publish(PresenceSignal signal) {
        return presence.offer(signal.key(), signal);
    }

    /**
     * Queues a node signal (heartbeat, node down) for every partition of {@code chat.presence}, so that
     * every message-service instance owning one of this node's users hears of it.
     */
    public boolean publishToEveryPartition(PresenceSignal signal) {
        return presence.offerToEveryPartition(signal.key(), signal);
    }

    @Override
    public void start() {
        signals.start();
        presence.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        presence.stop(DRAIN_TIMEOUT);
        signals.stop(DRAIN_TIMEOUT);
        // sends what the producer still buffers (bounded by the close timeout); a later start makes a new one
        producerFactory.reset();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // stops after the sessions (SessionShutdown, presence) and the consumer, before the web server
        return SmartLifecycle.DEFAULT_PHASE - 200;
    }

    @Override
    public void destroy() {
        producerFactory.destroy();
    }
}
