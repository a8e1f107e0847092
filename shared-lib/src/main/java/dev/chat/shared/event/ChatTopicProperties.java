package dev.chat.shared.event;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * How the chat topics are declared ({@code chat.kafka.*}). Every service that uses a topic declares
 * it the same way, so whichever starts first creates it.
 *
 * @param partitions        partitions of each chat topic: bounds consumer parallelism (3 locally, 12 in production)
 * @param replicationFactor replicas of each partition (1 locally, 3 in production)
 */
@Validated
@ConfigurationProperties("chat.kafka")
public record ChatTopicProperties(
        @DefaultValue("3") @Min(1) @Max(10_000) int partitions,
        @DefaultValue("1") @Min(1) @Max(32) short replicationFactor) {
}
