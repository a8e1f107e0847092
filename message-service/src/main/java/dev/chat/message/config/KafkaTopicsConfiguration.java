package dev.chat.message.config;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.validation.annotation.Validated;

import dev.chat.shared.event.Topics;
import jakarta.validation.constraints.Min;

/** Topics are created at start-up with explicit partition counts (3 locally, 12 in production). */
@Configuration(proxyBeanMethods = false)
class KafkaTopicsConfiguration {

    @Bean
    NewTopic chatEventsTopic(TopicProperties properties) {
        return TopicBuilder.name(Topics.CHAT_EVENTS)
                .partitions(properties.partitions())
                .replicas(properties.replicationFactor())
                .build();
    }

    /**
     * @param partitions        partitions of each chat topic; bounds consumer parallelism
     * @param replicationFactor 1 locally, 3 in production
     */
    @ConfigurationProperties("chat.kafka")
    @Validated
    record TopicProperties(@DefaultValue("3") @Min(1) int partitions, @DefaultValue("1") @Min(1) short replicationFactor) {
    }
}
