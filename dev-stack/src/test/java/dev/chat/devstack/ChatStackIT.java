package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** One real stack (PostgreSQL, a Kafka broker process, four fake services); close() is tested last. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChatStackIT {

    @TempDir
    static Path tmp;

    static ChatStack stack;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path root = FakeProject.create(tmp.resolve("project"));
        long t0 = System.nanoTime();
        stack = ChatStack.builder()
                .projectRoot(root)
                .gatewayPort(0)
                .logDir(tmp.resolve("logs"))
                .workDir(tmp.resolve("work"))
                .env("CHAT_PUSH_GRACE_PERIOD", "500ms")
                .onProgress(line -> System.out.println("stack: " + line))
                .start();
        System.out.printf("stack: started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void postgresIsARealDatabaseNamedChat() throws SQLException {
        assertThat(stack.postgresJdbcUrl()).matches("jdbc:postgresql://localhost:\\d+/chat");
        try (Connection c = DriverManager.getConnection(stack.postgresJdbcUrl(), stack.postgresUser(), stack.postgresPassword());
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select 1, current_database(), current_user, version()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getString(2)).isEqualTo("chat");
                assertThat(rs.getString(3)).isEqualTo("chat");
                assertThat(rs.getString(4)).startsWith("PostgreSQL 17");
            }
            // the role owns the database: it can create schemas, as the services' migrations do
            s.execute("create schema messaging");
            s.execute("create table messaging.probe (id int primary key)");
            s.execute("insert into messaging.probe values (1)");
        }
    }

    @Test
    @Order(2)
    void kafkaIsARealBrokerWithoutAutoTopicCreation() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("devstack.check", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            TopicDescription topic = admin.describeTopics(List.of("devstack.check")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("devstack.check");
            assertThat(topic.partitions()).hasSize(3);
        }
        String value = "hello-" + UUID.randomUUID();
        produce("devstack.check", "conversation-1", value);
        assertThat(consumeAll("devstack.check", 1)).extracting(ConsumerRecord::value).contains(value);

        // auto.create.topics.enable=false: producing to an unknown topic does not create it
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000"))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("devstack.nope", "k", "v")).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("devstack.nope");
        }
    }

    @Test
    @Order(3)
    void everyServiceGetsTheStackSettings() throws Exception {
        Map<String, String> gateway = env("gateway-service");
        assertThat(gateway).containsEntry("SERVER_PORT", Integer.toString(stack.gatewayUrl().getPort()))
                .containsEntry("CHAT_GATEWAY_MESSAGE_SERVICE_URI", stack.serviceUrl("message-service").toString())
                .containsEntry("CHAT_GATEWAY_WEBSOCKET_SERVICE_URI", stack.serviceUrl("websocket-service").toString())
                .containsEntry("CHAT_GATEWAY_NOTIFICATION_SERVICE_URI", stack.serviceUrl("notification-service").toString());
        for (String service : ChatStack.SERVICES) {
            Map<String, String> env = env(service);
            assertThat(env).as(service)
                    .containsEntry("SERVER_PORT", Integer.toString(stack.serviceUrl(service).getPort()))
                    .containsEntry("SPRING_KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers())
                    .containsEntry("CHAT_AUTH_JWT_SECRET", stack.jwtSecret())
                    .containsEntry("CHAT_PUSH_GRACE_PERIOD", "500ms")
                    .containsKey("PATH"); // the developer's environment is inherited
            if (System.getenv("CHAT_AUTH_DEV_TOKENS_ENABLED") == null) {
                assertThat(env).as(service).containsEntry("CHAT_AUTH_DEV_TOKENS_ENABLED", "true");
            }
        }
        for (String service : ChatStack.DATABASE_SERVICES) {
            assertThat(env(service)).as(service)
                    .containsEntry("SPRING_R2DBC_URL", stack.postgresJdbcUrl().replace("jdbc:", "r2dbc:"))
                    .containsEntry("SPRING_R2DBC_USERNAME", "chat").containsEntry("SPRING_R2DBC_PASSWORD", "chat")
                    .containsEntry("SPRING_FLYWAY_URL", stack.postgresJdbcUrl())
                    .containsEntry("SPRING_FLYWAY_USER", "chat").containsEntry("SPRING_FLYWAY_PASSWORD", "chat");
        }
        assertThat(env("gateway-service")).doesNotContainKey("SPRING_R2DBC_URL");
        assertThat(stack.jwtSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(32);
        assertThat(stack.gatewayWebSocketUrl()).isEqualTo(URI.create("ws://localhost:" + stack.gatewayUrl().getPort() + "/ws"));
        assertThat(stack.logDir().resolve("gateway-service.log")).content().contains("gateway-service listening on");
        // the (Spring-Boot-like) jars run extracted from the launch cache under the project root
        assertThat(ProcessHandle.current().descendants().map(p -> p.info().commandLine().orElse("")))
                .filteredOn(cmd -> cmd.contains(tmp.resolve("project/.chat-local/cache").toString()))
                .hasSize(4);
    }

    @Test
    @Order(4)
    void theDevSecretIsUsedWhenTheEnvironmentHasNone() {
        assumeThat(System.getenv("CHAT_AUTH_JWT_SECRET")).isNull();
        assertThat(stack.jwtSecret()).isEqualTo(ServiceEnvironment.DEV_JWT_SECRET);
    }

    @Test
    @Order(5)
    void kafkaRestartsOnTheSamePortWithItsData() throws Exception {
        String before = "before-outage-" + UUID.randomUUID();
        produce("devstack.check", "conversation-2", before);
        int port = Integer.parseInt(stack.kafkaBootstrapServers().substring("localhost:".length()));

        stack.stopKafka();
        assertThat(Ports.accepts(port)).isFalse();
        assertThat(stack.exited()).doesNotContainKey("kafka"); // stopped on purpose

        stack.startKafka();
        assertThat(stack.kafkaBootstrapServers()).isEqualTo("localhost:" + port);
        assertThat(consumeAll("devstack.check", 2)).extracting(ConsumerRecord::value).contains(before);
        String after = "after-outage-" + UUID.randomUUID();
        produce("devstack.check", "conversation-2", after);
        assertThat(consumeAll("devstack.check", 3)).extracting(ConsumerRecord::value).contains(before, after);
    }

    @Test
    @Order(6)
    void aSecondStackOnTheSameWorkDirectoryIsRefusedAndTouchesNothing() throws Exception {
        assertThatThrownBy(() -> ChatStack.builder().projectRoot(tmp.resolve("project"))
                .logDir(tmp.resolve("logs-2")).workDir(tmp.resolve("work")).start())
                .hasMessageContaining("another stack (./chat up?) is running with the work directory");

        assertThat(tmp.resolve("work/postgres/postgresql.conf")).exists();
        assertThat(tmp.resolve("work/kafka/data/meta.properties")).exists();
        try (Connection c = DriverManager.getConnection(stack.postgresJdbcUrl(), "chat", "chat")) {
            assertThat(c.isValid(2)).isTrue();
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void closeStopsEverythingAndLeavesNoProcessBehind() throws Exception {
        List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
        ProcessHandle postmaster = PostgresServer.postmaster(tmp.resolve("work/postgres")).orElseThrow();
        assertThat(children).hasSizeGreaterThanOrEqualTo(5); // four services and the broker
        assertThat(postmaster.isAlive()).isTrue();

        long t0 = System.nanoTime();
        stack.close();
        System.out.printf("stack: closed in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        assertThat(children).noneMatch(ProcessHandle::isAlive);
        assertThat(postmaster.isAlive()).isFalse();
        assertThat(Leftovers.liveDescendants()).isEmpty();
        assertThat(Leftovers.mentioning(tmp)).isEmpty();
        assertThatThrownBy(() -> DriverManager.getConnection(stack.postgresJdbcUrl(), "chat", "chat").close())
                .isInstanceOf(SQLException.class);
        assertThat(tmp.resolve("work/postgres")).doesNotExist();
        assertThat(tmp.resolve("work/kafka")).doesNotExist();
        assertThat(tmp.resolve("logs/kafka.log")).isNotEmptyFile();
        assertThat(tmp.resolve("logs/postgres.log")).exists();

        stack.close(); // idempotent
        assertThatThrownBy(stack::startKafka).hasMessageContaining("closed");
    }

    // ------------------------------------------------------------------ helpers

    private Map<String, String> env(String service) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(stack.serviceUrl(service) + "/env")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return FakeService.parseEnv(response.body());
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putAll(extra);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static void produce(String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            RecordMetadata sent = producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
            assertThat(sent.offset()).isGreaterThanOrEqualTo(0);
        }
    }

    /** Reads the topic from the beginning with a fresh group until {@code atLeast} records arrived (30 s at most). */
    private static List<ConsumerRecord<String, String>> consumeAll(String topic, int atLeast) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "devstack-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}
