package dev.chat.message;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;
import org.springframework.http.client.ReactorResourceFactory;

import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.KafkaServer;
import dev.chat.testsupport.PostgresServer;
import dev.chat.testsupport.TestTokens;

/**
 * Several message-service instances in this JVM, as replicas of one deployment: one database (a fresh one
 * on the shared test PostgreSQL), the shared test Kafka broker, the same consumer groups (so they split
 * the partitions of chat.signals and chat.presence), each on its own free port with its own connection
 * pool, coalescer and caches. {@link #close} stops every one of them, also after a failed start.
 * <p>
 * Each instance has its own Reactor Netty resources: closing a context that uses the global ones would
 * dispose them under every other server of the JVM (the cached contexts of the other ITs among them).
 */
public final class MessageServiceReplicas implements AutoCloseable {

    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    private MessageServiceReplicas() {
    }

    /** Starts {@code count} instances one after the other (the first runs the Flyway migrations). */
    public static MessageServiceReplicas start(int count, Map<String, String> extraProperties) {
        PostgresServer postgres = ChatInfra.postgres();
        KafkaServer kafka = ChatInfra.kafka();
        String database = postgres.createDatabase();
        String groupSuffix = "-replicas-" + UUID.randomUUID();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("spring.main.banner-mode", "off");
        properties.put("spring.r2dbc.url", postgres.r2dbcUrl(database));
        properties.put("spring.r2dbc.username", postgres.username());
        properties.put("spring.r2dbc.password", postgres.password());
        properties.put("spring.flyway.url", postgres.jdbcUrl(database));
        properties.put("spring.flyway.user", postgres.username());
        properties.put("spring.flyway.password", postgres.password());
        properties.put("spring.kafka.bootstrap-servers", kafka.bootstrapServers());
        properties.put("chat.kafka.consumer-group-suffix", groupSuffix);
        properties.put("chat.auth.jwt.secret", TestTokens.SECRET);
        properties.putAll(extraProperties);
        MessageServiceReplicas replicas = new MessageServiceReplicas();
        try {
            for (int i = 0; i < count; i++) {
                Map<String, Object> own = new LinkedHashMap<>(properties);
                own.put("spring.application.name", "message-service-" + (i + 1));
                // as command-line arguments: above application.yml (builder properties would be defaults, below it)
                String[] args = own.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new);
                replicas.instances.add(new SpringApplicationBuilder(MessageServiceApplication.class, OwnNettyResources.class)
                        .web(WebApplicationType.REACTIVE)
                        .initializers(context -> context.getBeanFactory()
                                .registerSingleton("replicasTestTypeExcludeFilter", new TestConfigurationsExcluded()))
                        .registerShutdownHook(false)
                        .run(args));
            }
        } catch (RuntimeException | Error e) {
            replicas.close();
            throw e;
        }
        return replicas;
    }

    /** {@code http://localhost:<port>} of instance {@code index} (0-based). */
    public String url(int index) {
        return "http://localhost:" + instances.get(index).getEnvironment().getProperty("local.server.port");
    }

    public int size() {
        return instances.size();
    }

    public ConfigurableApplicationContext context(int index) {
        return instances.get(index);
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (ConfigurableApplicationContext instance : instances) {
            try {
                instance.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        instances.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Reactor Netty loops and connection pool of this instance alone (see the class comment). */
    static class OwnNettyResources {

        @Bean
        ReactorResourceFactory reactorResourceFactory() {
            ReactorResourceFactory factory = new ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            factory.setShutdownQuietPeriod(Duration.ZERO);
            factory.setShutdownTimeout(Duration.ofSeconds(2));
            return factory;
        }
    }

    /**
     * The service's component scan would also find the tests' {@code @TestConfiguration} classes (such as
     * the outbox tests' producer faults): a test context excludes them, and so does this.
     */
    static final class TestConfigurationsExcluded extends TypeExcludeFilter {

        @Override
        public boolean match(MetadataReader reader, MetadataReaderFactory factory) throws IOException {
            return reader.getAnnotationMetadata().hasAnnotation(TestConfiguration.class.getName());
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof TestConfigurationsExcluded;
        }

        @Override
        public int hashCode() {
            return TestConfigurationsExcluded.class.hashCode();
        }
    }
}
