package dev.chat.websocket.session;

import java.time.Instant;

/**
 * Something queued for one session's socket. Event frames are serialized once per event and the same
 * {@link Text} is queued to every recipient session; WebSocket buffers are only made from it when
 * the socket is ready to write, so nothing pooled is held while a frame waits.
 */
public sealed interface OutboundFrame {

    /** A text frame the node wrote itself (no delivery lag is measured for it). */
    static Text text(String type, byte[] utf8Json) {
        return new Text(utf8Json, type, null);
    }

    /** The frame of an event that happened at {@code occurredAt} (its delivery lag is measured at the write). */
    static Text event(String type, byte[] utf8Json, Instant occurredAt) {
        return new Text(utf8Json, type, occurredAt);
    }

    /**
     * A text frame holding one JSON object, already encoded as UTF-8.
     *
     * @param type       the frame's {@code type} (for metrics)
     * @param occurredAt for event frames, when the event happened; else null
     */
    record Text(byte[] utf8Json, String type, Instant occurredAt) implements OutboundFrame {
    }

    /** A WebSocket PING control frame (heartbeat). */
    record Ping() implements OutboundFrame {
        static final Ping INSTANCE = new Ping();
    }

    /** A WebSocket PONG control frame answering a client's PING. */
    record Pong(byte[] payload) implements OutboundFrame {
    }
}
