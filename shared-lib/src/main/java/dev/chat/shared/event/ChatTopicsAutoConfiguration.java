package dev.chat.shared.event;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Declares the chat topics ({@link Topics}) with explicit partitions and record size limit in every
 * service that has Spring Kafka; Boot's KafkaAdmin creates those missing at start-up (brokers here
 * never auto-create topics). Every service declares all of them the same way, so whichever starts
 * first creates them; {@code chat.signals} has the partition count of {@code chat.events} by
 * construction. With {@code chat.kafka.declare-topics=false} nothing is declared: the topics must
 * exist (production with Strimzi {@code KafkaTopic}s, docs/deployment.md).
 */
@AutoConfiguration
@ConditionalOnClass(TopicBuilder.class)
@EnableConfigurationProperties(ChatTopicProperties.class)
@ConditionalOnBooleanProperty(name = "chat.kafka.declare-topics", matchIfMissing = true)
public class ChatTopicsAutoConfiguration {

    @Bean
    KafkaAdmin.NewTopics chatTopics(ChatTopicProperties properties) {
        return new KafkaAdmin.NewTopics(
                topic(Topics.CHAT_EVENTS, properties).build(),
                topic(Topics.CHAT_SIGNALS, properties).build(),
                topic(Topics.CHAT_PRESENCE, properties).build(),
                topic(Topics.CHAT_PRESENCE_UPDATES, properties).build(),
                topic(Topics.CHAT_REVOCATIONS, properties)
                        .config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
                        .build());
    }

    static TopicBuilder topic(String name, ChatTopicProperties properties) {
        return TopicBuilder.name(name)
                .partitions(properties.partitions())
                .replicas(properties.replicationFactor())
                .config(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(properties.maxRecordBytes()));
    }
}
