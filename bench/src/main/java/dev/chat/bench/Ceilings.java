package dev.chat.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The ceilings every figure is held against, measured in the same run on the same machine: the send
 * transaction itself straight on PostgreSQL (the equivalent of pgbench: seq update, message insert,
 * outbox insert, commit; 8 connections, durable settings), and a Kafka produce/consume round trip
 * (1 KB records, acks=all, linger 0).
 */
final class Ceilings {

    record Database(double transactionsPerSecond, double p50Ms, double p99Ms) {
    }

    record Broker(double p50Ms, double p99Ms, double recordsPerSecond) {
    }

    private Ceilings() {
    }

    static Database database(String jdbcUrl, String user, String password, int connections, Duration duration)
            throws Exception {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        int conversations = 1000;
        try (Connection c = DriverManager.getConnection(jdbcUrl, props); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS bench_ceiling");
            s.execute("DROP TABLE IF EXISTS bench_ceiling.outbox, bench_ceiling.messages, bench_ceiling.conversations");
            s.execute("CREATE TABLE bench_ceiling.conversations (id int PRIMARY KEY, last_seq bigint NOT NULL DEFAULT 0,"
                    + " last_activity_at timestamptz)");
            s.execute("CREATE TABLE bench_ceiling.messages (id uuid PRIMARY KEY, conversation_id int NOT NULL, seq bigint NOT NULL,"
                    + " sender_id text NOT NULL, client_message_id uuid, content text NOT NULL, created_at timestamptz NOT NULL,"
                    + " UNIQUE (conversation_id, seq), UNIQUE (sender_id, client_message_id))");
            s.execute("CREATE TABLE bench_ceiling.outbox (id bigserial PRIMARY KEY, event_key text NOT NULL, payload text NOT NULL)");
            s.execute("INSERT INTO bench_ceiling.conversations (id) SELECT generate_series(1, " + conversations + ")");
        }
        Recorder recorder = new Recorder(3);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        List<Future<Long>> counts = new ArrayList<>();
        String payload = "x".repeat(700);
        for (int i = 0; i < connections; i++) {
            counts.add(pool.submit(() -> {
                long done = 0;
                try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
                    c.setAutoCommit(false);
                    PreparedStatement seq = c.prepareStatement("UPDATE bench_ceiling.conversations SET last_seq = last_seq + 1,"
                            + " last_activity_at = now() WHERE id = ? RETURNING last_seq");
                    PreparedStatement message = c.prepareStatement("INSERT INTO bench_ceiling.messages"
                            + " (id, conversation_id, seq, sender_id, client_message_id, content, created_at) VALUES (?, ?, ?, ?, ?, ?, now())");
                    PreparedStatement outbox = c.prepareStatement("INSERT INTO bench_ceiling.outbox (event_key, payload) VALUES (?, ?)");
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        int conversation = ThreadLocalRandom.current().nextInt(1, conversations + 1);
                        seq.setInt(1, conversation);
                        long next;
                        try (ResultSet rs = seq.executeQuery()) {
                            rs.next();
                            next = rs.getLong(1);
                        }
                        message.setObject(1, UUID.randomUUID());
                        message.setInt(2, conversation);
                        message.setLong(3, next);
                        message.setString(4, "user-" + conversation);
                        message.setObject(5, UUID.randomUUID());
                        message.setString(6, "hello");
                        message.executeUpdate();
                        outbox.setString(1, Integer.toString(conversation));
                        outbox.setString(2, payload);
                        outbox.executeUpdate();
                        c.commit();
                        recorder.recordValue(System.nanoTime() - start);
                        done++;
                    }
                }
                return done;
            }));
        }
        Thread.sleep(Math.min(2000, duration.toMillis() / 5)); // warm-up, not measured
        recorder.getIntervalHistogram();
        long startNanos = System.nanoTime();
        Thread.sleep(duration.toMillis());
        Histogram measured = recorder.getIntervalHistogram();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        stop.set(true);
        for (Future<Long> f : counts) {
            f.get(30, TimeUnit.SECONDS); // surfaces a failed worker
        }
        pool.shutdown();
        try (Connection c = DriverManager.getConnection(jdbcUrl, props); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA bench_ceiling CASCADE");
        }
        return new Database(measured.getTotalCount() / seconds, measured.getValueAtPercentile(50) / 1e6,
                measured.getValueAtPercentile(99) / 1e6);
    }

    static Broker broker(String bootstrapServers, int records, int ratePerSecond) throws Exception {
        String topic = "bench.ceiling." + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Histogram latency = new Histogram(3);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new ByteArraySerializer(), new ByteArraySerializer());
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            byte[] value = new byte[1024];
            AtomicBoolean done = new AtomicBoolean();
            long[] received = {0};
            Thread reader = new Thread(() -> {
                while (!done.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long sent = java.nio.ByteBuffer.wrap(r.value()).getLong();
                        latency.recordValue(Math.max(0, System.nanoTime() - sent));
                        received[0]++;
                    }
                }
            }, "bench-broker-reader");
            reader.start();
            long interval = 1_000_000_000L / ratePerSecond;
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                long due = start + i * interval;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                java.nio.ByteBuffer.wrap(value).putLong(System.nanoTime());
                producer.send(new ProducerRecord<>(topic, value.clone()));
            }
            producer.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received[0] < records && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            done.set(true);
            reader.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Broker(latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                    received[0] / seconds);
        } finally {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
