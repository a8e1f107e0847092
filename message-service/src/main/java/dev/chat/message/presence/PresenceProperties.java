package dev.chat.message.presence;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * Presence ({@code chat.presence.*}).
 *
 * @param nodeTimeout    a websocket node whose heartbeats stop for this long is dead: its sessions end
 * @param checkInterval  how often each instance looks for dead nodes
 * @param maxQueryUsers  most user ids in one presence query
 */
@ConfigurationProperties("chat.presence")
@Validated
record PresenceProperties(
        @DefaultValue("15s") @NotNull Duration nodeTimeout,
        @DefaultValue("5s") @NotNull Duration checkInterval,
        @DefaultValue("500") @Min(1) @Max(10_000) int maxQueryUsers) {
}
