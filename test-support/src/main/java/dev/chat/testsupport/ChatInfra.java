package dev.chat.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The one place that decides how tests get real infrastructure: Testcontainers where a Docker
 * engine answers, otherwise real servers started in-process (PostgreSQL from zonky's binaries,
 * Kafka as spring-kafka-test's KRaft broker). Each is started once per JVM, on free ports, on
 * first use, and stopped when the JVM exits, also after failures.
 */
public final class ChatInfra {

    private static final Logger log = LoggerFactory.getLogger(ChatInfra.class);
    /** The partition count the services use locally. */
    public static final int PARTITIONS = 3;

    private static PostgresServer postgres;
    private static KafkaServer kafka;
    private static Boolean docker;

    private ChatInfra() {
    }

    public static synchronized PostgresServer postgres() {
        if (postgres == null) {
            postgres = dockerAvailable() ? containerPostgres() : embeddedPostgres();
            PostgresServer started = postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "stop-test-postgres"));
        }
        return postgres;
    }

    public static synchronized KafkaServer kafka() {
        if (kafka == null) {
            kafka = dockerAvailable() ? containerKafka() : embeddedKafka();
        }
        return kafka;
    }

    static synchronized boolean dockerAvailable() {
        if (docker == null) {
            try {
                docker = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException e) {
                docker = false;
            }
            log.info("Test infrastructure: {}", docker ? "Testcontainers (Docker answers)"
                    : "embedded PostgreSQL and Kafka (no Docker engine)");
        }
        return docker;
    }

    private static PostgresServer embeddedPostgres() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("max_connections", "300")
                    .start();
            return new PostgresServer() {
                @Override
                public String host() {
                    return "localhost";
                }

                @Override
                public int port() {
                    return pg.getPort();
                }

                @Override
                public String username() {
                    return "postgres";
                }

                @Override
                public String password() {
                    return "postgres";
                }

                @Override
                void stop() {
                    try {
                        pg.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
        }
    }

    @SuppressWarnings("resource")
    private static PostgresServer containerPostgres() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine")
                .withCommand("postgres", "-c", "fsync=off", "-c", "max_connections=300");
        container.start();
        return new PostgresServer() {
            @Override
            public String host() {
                return container.getHost();
            }

            @Override
            public int port() {
                return container.getMappedPort(5432);
            }

            @Override
            public String username() {
                return container.getUsername();
            }

            @Override
            public String password() {
                return container.getPassword();
            }

            @Override
            void stop() {
                container.stop();
            }
        };
    }

    private static KafkaServer embeddedKafka() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
        broker.brokerProperty("auto.create.topics.enable", "false");
        broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "stop-test-kafka"));
        return broker::getBrokersAsString;
    }

    @SuppressWarnings("resource")
    private static KafkaServer containerKafka() {
        KafkaContainer container = new KafkaContainer("apache/kafka-native:4.1.1")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-test-kafka"));
        return container::getBootstrapServers;
    }
}
