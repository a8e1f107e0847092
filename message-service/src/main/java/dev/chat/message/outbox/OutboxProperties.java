package dev.chat.message.outbox;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * @param sweepInterval how often the relay runs without being signalled: it picks up what a failed
 *                      run (Kafka down, crash) or another instance's rows left behind
 * @param batchSize     events published per relay transaction
 */
@ConfigurationProperties("chat.outbox")
@Validated
public record OutboxProperties(
        @DefaultValue("1s") @NotNull Duration sweepInterval,
        @DefaultValue("200") @Min(1) @Max(5000) int batchSize) {
}
