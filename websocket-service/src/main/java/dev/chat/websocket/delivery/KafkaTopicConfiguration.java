package dev.chat.websocket.delivery;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

import dev.chat.shared.event.Topics;
import dev.chat.websocket.config.ChatKafkaProperties;

/** Declares chat.events like every service using it does, so whichever starts first creates it. */
@Configuration(proxyBeanMethods = false)
class KafkaTopicConfiguration {

    @Bean
    NewTopic chatEventsTopic(ChatKafkaProperties properties) {
        return TopicBuilder.name(Topics.CHAT_EVENTS)
                .partitions(properties.partitions())
                .replicas(properties.replicationFactor())
                .build();
    }
}
