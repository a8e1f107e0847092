package dev.chat.websocket.session;

/**
 * Something queued for one session's socket. Event frames are serialized once per event and the same
 * {@link Text} is queued to every recipient session; WebSocket buffers are only made from it when
 * the socket is ready to write, so nothing pooled is held while a frame waits.
 */
public sealed interface OutboundFrame {

    /** A text frame holding one JSON object, already encoded as UTF-8. */
    static Text text(byte[] utf8Json) {
        return new Text(utf8Json);
    }

    record Text(byte[] utf8Json) implements OutboundFrame {
    }

    /** A WebSocket PING control frame (heartbeat). */
    record Ping() implements OutboundFrame {
        static final Ping INSTANCE = new Ping();
    }

    /** A WebSocket PONG control frame answering a client's PING. */
    record Pong(byte[] payload) implements OutboundFrame {
    }
}
