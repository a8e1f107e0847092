package dev.chat.websocket.signal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.shared.json.ChatJson;

/**
 * A bounded queue in front of one topic's producer, drained by one sender thread. {@link #offer} never
 * blocks (it is called on event loops); a full queue drops the record and counts it. Only the sender
 * thread calls {@code KafkaTemplate.send}, which may block up to {@code max.block.ms} while the broker's
 * metadata is missing: then the queue fills and the node keeps serving its sockets.
 *
 * <p>Metrics: {@code chat.ws.signals{topic, outcome=published|dropped|failed}}.
 */
final class KafkaHandOff {

    private static final Logger log = LoggerFactory.getLogger(KafkaHandOff.class);
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** A record to send: to the key's partition, or (every partition) once to each partition of the topic. */
    private record Pending(String key, Object value, boolean everyPartition) {
    }

    private final String topic;
    private final KafkaTemplate<String, String> template;
    private final BlockingQueue<Pending> queue;
    private final int capacity;
    private final JsonMapper json = ChatJson.mapper();
    private final Counter published;
    private final Counter dropped;
    private final Counter failed;
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private volatile Thread sender;
    /** Accepts from construction on (sessions may open before the sender starts), until stopped. */
    private volatile boolean accepting = true;
    /** Records taken from the queue whose send has not returned yet (so that a drain waits for them). */
    private volatile boolean sending;

    KafkaHandOff(String topic, KafkaTemplate<String, String> template, int capacity, MeterRegistry meters) {
        this.topic = topic;
        this.template = template;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
        this.published = counter(meters, "published");
        this.dropped = counter(meters, "dropped");
        this.failed = counter(meters, "failed");
    }

    private Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("chat.ws.signals").description("Records the node handed to Kafka, by outcome")
                .tag("topic", topic).tag("outcome", outcome).register(meters);
    }

    /** Queues a record for the key's partition; false (and counted as dropped) when the queue is full. */
    boolean offer(String key, Object value) {
        return enqueue(new Pending(key, value, false));
    }

    /**
     * Queues a record only while the queue is less than half full: for what loses nothing when dropped
     * (typing), so that it never crowds out what matters (acks).
     */
    boolean offerUnlessBusy(String key, Object value) {
        if (queue.remainingCapacity() <= capacity / 2) {
            dropped.increment();
            return false;
        }
        return offer(key, value);
    }

    /** Queues a record to be written once to every partition of the topic, under the same key. */
    boolean offerToEveryPartition(String key, Object value) {
        return enqueue(new Pending(key, value, true));
    }

    private boolean enqueue(Pending pending) {
        if (accepting && queue.offer(pending)) {
            return true;
        }
        dropped.increment();
        return false;
    }

    synchronized void start() {
        if (sender != null) {
            return;
        }
        accepting = true;
        Thread thread = new Thread(this::run, "kafka-hand-off-" + topic);
        thread.setDaemon(true);
        sender = thread;
        thread.start();
    }

    /** Stops accepting, sends what is queued (within {@code drainTimeout}), then stops the sender thread. */
    synchronized void stop(Duration drainTimeout) {
        Thread thread = sender;
        if (thread == null) {
            return;
        }
        accepting = false;
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while ((!queue.isEmpty() || sending) && System.nanoTime() < deadline && thread.isAlive()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = queue.size();
        if (left > 0) {
            log.warn("{} records for {} not sent at shutdown", left, topic);
            dropped.increment(left);
            queue.clear();
        }
        sender = null;
        thread.interrupt();
    }

    private void run() {
        Thread self = Thread.currentThread();
        while (sender == self) {
            Pending pending;
            try {
                pending = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (pending == null) {
                continue;
            }
            sending = true;
            try {
                send(pending);
            } catch (RuntimeException e) {
                // typically a TimeoutException after max.block.ms: the broker is unreachable
                failed(e);
            } finally {
                sending = false;
            }
        }
    }

    private void send(Pending pending) {
        String value = json.writeValueAsString(pending.value());
        if (!pending.everyPartition()) {
            template.send(topic, pending.key(), value).whenComplete((result, error) -> outcome(error));
            return;
        }
        List<PartitionInfo> partitions = template.partitionsFor(topic);
        for (PartitionInfo partition : partitions) {
            template.send(new ProducerRecord<>(topic, partition.partition(), pending.key(), value))
                    .whenComplete((result, error) -> outcome(error));
        }
    }

    private void outcome(Throwable error) {
        if (error == null) {
            published.increment();
        } else {
            failed(error);
        }
    }

    private void failed(Throwable error) {
        failed.increment();
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLog.compareAndSet(last, now)) {
            log.warn("Could not send to {} (further failures in the next 10 s are only counted): {}", topic,
                    error.toString());
        }
    }
}
