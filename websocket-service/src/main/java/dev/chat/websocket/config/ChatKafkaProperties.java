package dev.chat.websocket.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * How {@code chat.events} is declared ({@code chat.kafka.*}); every service that uses the topic
 * declares it the same way, so whichever starts first creates it.
 *
 * @param partitions        partitions of chat.events (3 locally, 12 in production)
 * @param replicationFactor replicas of each partition
 */
@Validated
@ConfigurationProperties("chat.kafka")
public record ChatKafkaProperties(
        @DefaultValue("3") @Min(1) @Max(10_000) int partitions,
        @DefaultValue("1") @Min(1) @Max(32) short replicationFactor) {
}
