package dev.chat.websocket.session;

import org.springframework.web.reactive.socket.CloseStatus;

/** The close codes of API.md ("WebSocket /ws"). */
final class CloseCodes {

    /** The JWT's exp passed: reconnect with a fresh token. */
    static final CloseStatus TOKEN_EXPIRED = new CloseStatus(4401, "token expired");
    /** An operator revoked the user's tokens issued before a time, this one included: reconnect with a fresh token. */
    static final CloseStatus TOKEN_REVOKED = new CloseStatus(4401, "token revoked");
    /** The node is shutting down: reconnect at once, elsewhere. */
    static final CloseStatus RESTARTING = CloseStatus.SERVICE_RESTARTED.withReason("node restarting");
    /** Too many malformed or unknown frames. */
    static final CloseStatus BAD_FRAMES = CloseStatus.POLICY_VIOLATION.withReason("too many invalid frames");
    /** More inbound frames than chat.ws.frame-rate allows. */
    static final CloseStatus RATE_LIMITED = CloseStatus.POLICY_VIOLATION.withReason("rate limit exceeded");
    /** A frame above chat.ws.max-frame-bytes. */
    static final CloseStatus TOO_BIG = CloseStatus.TOO_BIG_TO_PROCESS.withReason("frame too big");
    /** The outbound buffer overflowed: reconnect and sync. */
    static final CloseStatus TOO_SLOW = CloseStatus.SERVICE_OVERLOAD.withReason("client too slow");
    /** The node could not load what the session needs (its large groups) in time: reconnect with backoff. */
    static final CloseStatus TRY_AGAIN_LATER = CloseStatus.SERVICE_OVERLOAD.withReason("try again later");
    /** Nothing received for two heartbeats. */
    static final CloseStatus HEARTBEAT_TIMEOUT = CloseStatus.GOING_AWAY.withReason("heartbeat timeout");
    /** The connection ended from the client's side (or the network). */
    static final CloseStatus GONE = CloseStatus.NORMAL;

    private CloseCodes() {
    }
}
