package dev.chat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * Points Spring Kafka at the shared test broker, and gives each Spring context its own consumer groups
 * ({@code chat.kafka.consumer-group-suffix}): contexts of one JVM share the broker, and a consumer of
 * another (cached) context must never take this one's partitions.
 */
@TestConfiguration(proxyBeanMethods = false)
public class KafkaTestConfiguration {

    @Bean
    DynamicPropertyRegistrar chatKafkaProperties() {
        KafkaServer server = ChatInfra.kafka();
        String suffix = "-test-" + java.util.UUID.randomUUID();
        return registry -> {
            registry.add("spring.kafka.bootstrap-servers", server::bootstrapServers);
            registry.add("chat.kafka.consumer-group-suffix", () -> suffix);
        };
    }
}
