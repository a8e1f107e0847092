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
 * @param maxRecordBytes    the largest record: the topics' {@code max.message.bytes} and the producers'
 *                          {@code max.request.size} are both set to it, and the outbox never sends a record
 *                          above it (such a record is dead-lettered at once instead of being refused)
 * @param declareTopics     whether the services create the topics at start-up (false where the topics are
 *                          declared elsewhere, e.g. Strimzi {@code KafkaTopic}s, and the services may not create them)
 */
@Validated
@ConfigurationProperties("chat.kafka")
public record ChatTopicProperties(
        @DefaultValue("3") @Min(1) @Max(10_000) int partitions,
        @DefaultValue("1") @Min(1) @Max(32) short replicationFactor,
        @DefaultValue("1048576") @Min(16_384) @Max(16_777_216) int maxRecordBytes,
        @DefaultValue("true") boolean declareTopics) {

    /** Kafka's per-record overhead allowance on top of key and value (headers, batch framing). */
    public static final int RECORD_OVERHEAD_BYTES = 512;

    /** Whether a record of this key and value (UTF-8 sizes) fits {@link #maxRecordBytes}. */
    public boolean fits(int keyBytes, int valueBytes) {
        return (long) keyBytes + valueBytes + RECORD_OVERHEAD_BYTES <= maxRecordBytes;
    }
}
