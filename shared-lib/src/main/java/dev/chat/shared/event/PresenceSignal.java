package dev.chat.shared.event;

import java.time.Instant;

/**
 * What a websocket node tells message-service about its sessions, on {@link Topics#CHAT_PRESENCE}:
 * a session of a user opened or closed (key: user id), or the node is alive / shutting down (key: node id).
 * A node that stops sending heartbeats is presumed dead: its sessions end.
 *
 * @param type       {@link #SESSION_UP}, {@link #SESSION_DOWN}, {@link #NODE_HEARTBEAT} or {@link #NODE_DOWN}
 * @param version    schema version; consumers skip versions they do not know
 * @param occurredAt when it happened on the node
 * @param nodeId     the node (a new id per process start)
 * @param userId     session signals: the user; node signals: null
 * @param sessionId  session signals: the session; node signals: null
 * @param sessions   heartbeats: how many sessions the node holds (for operators); else null
 */
public record PresenceSignal(
        String type,
        int version,
        Instant occurredAt,
        String nodeId,
        String userId,
        String sessionId,
        Integer sessions) {

    public static final int CURRENT_VERSION = 1;

    public static final String SESSION_UP = "session.up";
    public static final String SESSION_DOWN = "session.down";
    public static final String NODE_HEARTBEAT = "node.heartbeat";
    public static final String NODE_DOWN = "node.down";

    public static PresenceSignal sessionUp(String nodeId, String userId, String sessionId) {
        return new PresenceSignal(SESSION_UP, CURRENT_VERSION, Instant.now(), nodeId, userId, sessionId, null);
    }

    public static PresenceSignal sessionDown(String nodeId, String userId, String sessionId) {
        return new PresenceSignal(SESSION_DOWN, CURRENT_VERSION, Instant.now(), nodeId, userId, sessionId, null);
    }

    public static PresenceSignal heartbeat(String nodeId, int sessions) {
        return new PresenceSignal(NODE_HEARTBEAT, CURRENT_VERSION, Instant.now(), nodeId, null, null, sessions);
    }

    public static PresenceSignal nodeDown(String nodeId) {
        return new PresenceSignal(NODE_DOWN, CURRENT_VERSION, Instant.now(), nodeId, null, null, null);
    }

    /** The Kafka key: the user for session signals, the node for node signals. */
    public String key() {
        return userId != null ? userId : nodeId;
    }
}
