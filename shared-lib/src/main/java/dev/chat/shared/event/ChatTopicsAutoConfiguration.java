package dev.chat.shared.event;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;

/**
 * Declares {@link Topics#CHAT_EVENTS} with explicit partitions and record size limit in every service
 * that has Spring Kafka; Boot's KafkaAdmin creates it at start-up (brokers here never auto-create
 * topics). With {@code chat.kafka.declare-topics=false} nothing is declared: the topics must exist.
 */
@AutoConfiguration
@ConditionalOnClass(TopicBuilder.class)
@EnableConfigurationProperties(ChatTopicProperties.class)
public class ChatTopicsAutoConfiguration {

    @Bean
    @ConditionalOnBooleanProperty(name = "chat.kafka.declare-topics", matchIfMissing = true)
    NewTopic chatEventsTopic(ChatTopicProperties properties) {
        return TopicBuilder.name(Topics.CHAT_EVENTS)
                .partitions(properties.partitions())
                .replicas(properties.replicationFactor())
                .config(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(properties.maxRecordBytes()))
                .build();
    }
}
