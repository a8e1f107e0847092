package dev.chat.websocket.config;

import java.time.Duration;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * The WebSocket endpoint ({@code chat.ws.*}).
 *
 * @param heartbeat         how often the server sends a WebSocket PING; a connection silent for two
 *                          heartbeats is closed. Reported to clients as {@code heartbeat_s}.
 * @param outboundBuffer    frames queued per session before the client counts as too slow (closed with 1013)
 * @param maxFrameBytes     largest inbound frame (also after aggregating fragments); larger ones close with 1009
 * @param badFrameAllowance malformed or unknown frames a connection may send; the next one closes it with 1008
 * @param closeTimeout      how long a close handshake may take (queued frames drained, close frame
 *                          flushed) before the TCP connection is dropped
 * @param dedup             node-level de-duplication of {@code chat.events}
 */
@Validated
@ConfigurationProperties("chat.ws")
public record WebSocketProperties(
        @DefaultValue("25s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 10) Duration heartbeat,
        @DefaultValue("1024") @Min(1) @Max(1_000_000) int outboundBuffer,
        @DefaultValue("64KB") @NotNull DataSize maxFrameBytes,
        @DefaultValue("10") @Min(0) int badFrameAllowance,
        @DefaultValue("5s") @NotNull @DurationMin(millis = 100) Duration closeTimeout,
        @DefaultValue @NotNull @Valid Dedup dedup) {

    /** {@code heartbeat} in whole seconds, as {@code session.ready} reports it (at least 1). */
    public long heartbeatSeconds() {
        return Math.max(1, (heartbeat.toMillis() + 999) / 1000);
    }

    public int maxFramePayloadLength() {
        return (int) maxFrameBytes.toBytes();
    }

    @AssertTrue(message = "chat.ws.max-frame-bytes must be between 1KB and 16MB")
    public boolean isMaxFrameBytesInRange() {
        return maxFrameBytes == null
                || (maxFrameBytes.toBytes() >= 1024 && maxFrameBytes.toBytes() <= 16L * 1024 * 1024);
    }

    /**
     * Bounded memory of what this node already delivered (Kafka may carry an event twice).
     *
     * @param conversations conversations whose highest delivered {@code message.created} seq is kept
     * @param eventIds      ids of other events kept
     */
    public record Dedup(
            @DefaultValue("100000") @Min(1) int conversations,
            @DefaultValue("100000") @Min(1) int eventIds) {
    }
}
