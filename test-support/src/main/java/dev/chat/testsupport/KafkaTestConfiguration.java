package dev.chat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Points Spring Kafka at the shared test broker. */
@TestConfiguration(proxyBeanMethods = false)
public class KafkaTestConfiguration {

    @Bean
    DynamicPropertyRegistrar chatKafkaProperties() {
        KafkaServer server = ChatInfra.kafka();
        return registry -> registry.add("spring.kafka.bootstrap-servers", server::bootstrapServers);
    }
}
