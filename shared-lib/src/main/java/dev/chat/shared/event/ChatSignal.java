package dev.chat.shared.event;

import java.time.Instant;
import java.util.UUID;

/**
 * One thing a client said over WebSocket, on {@link Topics#CHAT_SIGNALS} (key: conversation id), as the
 * websocket node received it. The node has checked only the shape; message-service checks membership
 * before acting on it, and so must any other consumer that acts on it.
 *
 * @param signalId       unique per signal (consumers may see it twice)
 * @param type           {@link #ACK}, {@link #READ} or {@link #TYPING}
 * @param version        schema version; consumers skip versions they do not know
 * @param occurredAt     when the node received it
 * @param conversationId the conversation (also the Kafka key)
 * @param userId         who said it: the verified token's {@code sub}
 * @param sessionId      the session (device connection) it came from
 * @param nodeId         the websocket node that received it
 * @param seq            {@code ack}: delivered up to this seq; {@code read}: read up to this seq; else null
 * @param typing         {@code typing}: started (true) or stopped (false); else null
 */
public record ChatSignal(
        UUID signalId,
        String type,
        int version,
        Instant occurredAt,
        UUID conversationId,
        String userId,
        String sessionId,
        String nodeId,
        Long seq,
        Boolean typing) {

    public static final int CURRENT_VERSION = 1;

    public static final String ACK = "ack";
    public static final String READ = "read";
    public static final String TYPING = "typing";

    public static ChatSignal ack(UUID conversationId, String userId, String sessionId, String nodeId, long seq) {
        return new ChatSignal(UUID.randomUUID(), ACK, CURRENT_VERSION, Instant.now(), conversationId, userId, sessionId,
                nodeId, seq, null);
    }

    public static ChatSignal read(UUID conversationId, String userId, String sessionId, String nodeId, long seq) {
        return new ChatSignal(UUID.randomUUID(), READ, CURRENT_VERSION, Instant.now(), conversationId, userId, sessionId,
                nodeId, seq, null);
    }

    public static ChatSignal typing(UUID conversationId, String userId, String sessionId, String nodeId, boolean typing) {
        return new ChatSignal(UUID.randomUUID(), TYPING, CURRENT_VERSION, Instant.now(), conversationId, userId,
                sessionId, nodeId, null, typing);
    }
}
