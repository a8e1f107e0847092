package dev.chat.websocket.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.chat.shared.event.EventTypes;

/**
 * What reaches sockets, measured at the write: {@code chat.ws.frames.out{type}} (text frames; types
 * outside the known set count as {@code other}, so that no producer can grow the tag set), and
 * {@code chat.ws.delivery.lag}, the time from an event's {@code occurred_at} to its write to a socket
 * (event frames only, one sample per socket).
 */
@Component
class OutboundMetrics {

    static final List<String> KNOWN_TYPES = List.of(ServerFrames.SESSION_READY, ServerFrames.PONG, ServerFrames.ERROR,
            ServerFrames.SYNC_DONE, ServerFrames.PRESENCE_UPDATED, EventTypes.MESSAGE_CREATED,
            EventTypes.MESSAGE_UPDATED, EventTypes.MESSAGE_DELETED, EventTypes.CONVERSATION_UPDATED,
            EventTypes.RECEIPT_UPDATED, "typing.updated");

    private final Map<String, Counter> framesOut;
    private final Counter other;
    private final Timer lag;

    OutboundMetrics(MeterRegistry meters) {
        this.framesOut = KNOWN_TYPES.stream().collect(Collectors.toUnmodifiableMap(type -> type,
                type -> counter(meters, type)));
        this.other = counter(meters, "other");
        this.lag = Timer.builder("chat.ws.delivery.lag")
                .description("From an event's occurred_at to its frame's write to a socket")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(meters);
    }

    private static Counter counter(MeterRegistry meters, String type) {
        return Counter.builder("chat.ws.frames.out").description("Text frames written to sockets, by type")
                .tag("type", type).register(meters);
    }

    /** A text frame is being written to a socket. */
    void written(OutboundFrame.Text frame) {
        framesOut.getOrDefault(frame.type() == null ? "" : frame.type(), other).increment();
        Instant occurredAt = frame.occurredAt();
        if (occurredAt != null) {
            long millis = System.currentTimeMillis() - occurredAt.toEpochMilli();
            lag.record(Duration.ofMillis(Math.max(0, millis)));
        }
    }
}
