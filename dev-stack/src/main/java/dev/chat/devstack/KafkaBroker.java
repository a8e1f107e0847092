package dev.chat.devstack;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft Kafka broker (broker and controller in one JVM) run as a separate
 * process from the Maven Central jars on this JVM's class path: {@code kafka.tools.StorageTool
 * format} once, then {@code kafka.Kafka server.properties}. {@link #stop} and {@link #start} keep
 * the ports and the data directory, so a restart looks like an outage to the services.
 */
final class KafkaBroker {

    static final String STORAGE_TOOL = "kafka.tools.StorageTool";
    static final String SERVER_MAIN = "kafka.Kafka";

    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Path dir;
    private final Path log;
    private final String javaBin;
    private final String classpath;
    private final Map<String, String> environment;
    private final int brokerPort;
    private final int controllerPort;
    private final ProcessRegistry registry;

    private volatile ChildProcess process;

    /**
     * @param dir       holds server.properties and the data directory
     * @param registry  where started processes are recorded (the stack stops them on close)
     */
    KafkaBroker(Path dir, Path log, String javaBin, String classpath, Map<String, String> environment,
            int brokerPort, int controllerPort, ProcessRegistry registry) {
        this.dir = dir;
        this.log = log;
        this.javaBin = javaBin;
        this.classpath = classpath;
        this.environment = environment;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.registry = registry;
    }

    String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    int brokerPort() {
        return brokerPort;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path config() {
        return dir.resolve("server.properties");
    }

    /** Writes server.properties and formats the storage: a fresh cluster id, one voter (this node). */
    void format() throws IOException, InterruptedException {
        Files.createDirectories(dataDir());
        Files.deleteIfExists(log);
        writeConfig();
        List<String> command = javaCommand(STORAGE_TOOL);
        command.addAll(List.of("format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", config().toString()));
        ChildProcess format = registry.register(ChildProcess.start("kafka-format", command, environment, dir, log, true));
        try {
            if (!format.waitFor(FORMAT_TIMEOUT)) {
                throw new IOException("formatting Kafka storage took more than " + FORMAT_TIMEOUT.toSeconds()
                        + " s\n" + tailOf());
            }
            if (format.exitCode() != 0) {
                throw new IOException("formatting Kafka storage failed (" + STORAGE_TOOL + " exited with "
                        + format.exitCode() + ")\n" + tailOf());
            }
        } finally {
            format.stop(Duration.ZERO);
            registry.forget(format);
        }
    }

    /** Starts the broker process and returns when a Kafka admin client gets an answer. */
    void start(Duration timeout) throws IOException, InterruptedException {
        ChildProcess started;
        synchronized (this) {
            if (process != null && process.isAlive()) {
                throw new IllegalStateException("Kafka is already running (" + process + ")");
            }
            if (!Ports.isFree(brokerPort) || !Ports.isFree(controllerPort)) {
                throw new IOException("cannot start Kafka: port " + brokerPort + " or " + controllerPort
                        + " is taken by another process");
            }
            started = registry.register(ChildProcess.start("kafka", javaCommand(SERVER_MAIN, config().toString()),
                    environment, dir, log, true));
            process = started;
        }
        awaitAnswer(started, timeout);
    }

    /** Stops the broker (SIGTERM: a controlled shutdown, SIGKILL after 30 s); the data stays. */
    void stop() {
        ChildProcess current;
        synchronized (this) {
            current = process;
            process = null;
        }
        if (current != null) {
            current.stop(STOP_GRACE);
            registry.forget(current);
        }
    }

    /** Kills the broker (SIGKILL: no controlled shutdown), for fault tests; the data stays. */
    void kill() {
        ChildProcess current;
        synchronized (this) {
            current = process;
            process = null;
        }
        if (current != null) {
            current.kill();
            registry.forget(current);
        }
    }

    /** The broker process while it runs. */
    java.util.Optional<ProcessHandle> handle() {
        ChildProcess current = process;
        return current == null || !current.isAlive() ? java.util.Optional.empty() : java.util.Optional.of(current.handle());
    }

    /** The broker's exit code if it ended without {@link #stop}. */
    java.util.Optional<Integer> exitCode() {
        ChildProcess current = process;
        return current == null || current.isAlive() ? java.util.Optional.empty()
                : java.util.Optional.of(current.exitCode());
    }

    private void awaitAnswer(ChildProcess broker, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "its port never opened";
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                throw new IOException("Kafka exited with code " + broker.exitCode() + " while starting\n" + tailOf());
            }
            if (Ports.accepts(brokerPort)) {
                try (Admin admin = Admin.create(adminConfig())) {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    lastProblem = String.valueOf(e.getCause() != null ? e.getCause() : e);
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("Kafka did not answer within " + timeout.toSeconds() + " s (" + lastProblem + ")\n"
                + tailOf());
    }

    private Properties adminConfig() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "dev-stack-readiness");
        return props;
    }

    private List<String> javaCommand(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBin,
                "-Xms64m", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                // the full configuration dump is hundreds of lines per start
                "-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaConfig=warn",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn",
                "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private void writeConfig() throws IOException {
        String config = """
                # written by dev-stack (dev.chat.devstack.KafkaBroker): one node, broker and controller
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@localhost:%2$d
                listeners=PLAINTEXT://localhost:%1$d,CONTROLLER://localhost:%2$d
                advertised.listeners=PLAINTEXT://localhost:%1$d
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                log.dirs=%3$s
                num.partitions=3
                default.replication.factor=1
                min.insync.replicas=1
                auto.create.topics.enable=false
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=10
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                """.formatted(brokerPort, controllerPort, dataDir().toAbsolutePath().toString().replace("\\", "/"));
        try (Writer writer = Files.newBufferedWriter(config(), StandardCharsets.UTF_8)) {
            writer.write(config);
        }
    }

    private String tailOf() {
        return "--- " + log + " (last lines) ---\n" + ChildProcess.tail(log, 40);
    }
}
