package dev.chat.websocket.session;

import java.time.Instant;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

import dev.chat.shared.event.EventTypes;
import dev.chat.shared.json.ChatJson;

/**
 * The frames this node writes itself (event frames come ready-made in {@code ChatEvent.frame}), in the
 * shapes of API.md and docs/websocket-protocol.md. Every field is always present ({@code null} when
 * empty). Objects that come from message-service (messages, receipts, cursors) are passed through as
 * they are, so new fields reach clients without a change here.
 */
public final class ServerFrames {

    public static final String SESSION_READY = "session.ready";
    public static final String PONG = "pong";
    public static final String ERROR = "error";
    public static final String SYNC_DONE = "sync.done";
    public static final String PRESENCE_UPDATED = "presence.updated";

    private static final JsonMapper JSON = ChatJson.mapper();

    private ServerFrames() {
    }

    static OutboundFrame.Text sessionReady(String sessionId, String userId, long heartbeatSeconds, String nodeId) {
        return text(SESSION_READY, new SessionReady(SESSION_READY, sessionId, userId, heartbeatSeconds, nodeId));
    }

    static OutboundFrame.Text pong(JsonNode ref) {
        return text(PONG, new Pong(PONG, ref));
    }

    /** {@code {"type":"error","code","message","ref"}}; {@code ref} is the answered frame's, or null. */
    public static OutboundFrame.Text error(String code, String message, JsonNode ref) {
        return text(ERROR, new Error(ERROR, code, message, ref == null ? NullNode.getInstance() : ref));
    }

    /** A message the client missed, in answer to {@code sync}: {@code message.created} with {@code replay: true}. */
    public static OutboundFrame.Text replayCreated(JsonNode message) {
        ObjectNode frame = JSON.createObjectNode().put("type", EventTypes.MESSAGE_CREATED);
        frame.set("message", message);
        frame.put("replay", true);
        return text(EventTypes.MESSAGE_CREATED, frame);
    }

    /**
     * A message the client had, changed since: {@code message.deleted} for a tombstone, else
     * {@code message.updated}, with its current state and {@code replay: true}.
     */
    public static OutboundFrame.Text replayChanged(JsonNode message) {
        String type = message.path("deleted").asBoolean(false) ? EventTypes.MESSAGE_DELETED : EventTypes.MESSAGE_UPDATED;
        ObjectNode frame = JSON.createObjectNode().put("type", type);
        frame.set("message", message);
        frame.put("replay", true);
        return text(type, frame);
    }

    /** A current receipt watermark, in answer to {@code sync}: {@code receipt.updated} with {@code replay: true}. */
    public static OutboundFrame.Text replayReceipt(String conversationId, JsonNode receipt) {
        ObjectNode frame = JSON.createObjectNode()
                .put("type", EventTypes.RECEIPT_UPDATED)
                .put("conversation_id", conversationId);
        frame.set("user_id", field(receipt, "user_id"));
        frame.set("delivered_seq", field(receipt, "delivered_seq"));
        frame.set("read_seq", field(receipt, "read_seq"));
        frame.put("replay", true);
        return text(EventTypes.RECEIPT_UPDATED, frame);
    }

    /** The end of one sync page: where the client is now complete up to, and what to pass back next time. */
    public static OutboundFrame.Text syncDone(String conversationId, JsonNode lastSeq, JsonNode ref,
            JsonNode changeCursor, boolean hasMore) {
        ObjectNode frame = JSON.createObjectNode()
                .put("type", SYNC_DONE)
                .put("conversation_id", conversationId);
        frame.set("last_seq", lastSeq == null ? NullNode.getInstance() : lastSeq);
        frame.set("ref", ref == null ? NullNode.getInstance() : ref);
        frame.set("change_cursor", changeCursor == null ? NullNode.getInstance() : changeCursor);
        frame.put("has_more", hasMore);
        return text(SYNC_DONE, frame);
    }

    /** {@code {"type":"presence.updated","user_id","online","last_seen_at"}}. */
    public static OutboundFrame.Text presenceUpdated(String userId, boolean online, Instant lastSeenAt) {
        return text(PRESENCE_UPDATED, new PresenceUpdated(PRESENCE_UPDATED, userId, online, lastSeenAt));
    }

    /** The same, from message-service's presence state object (its {@code last_seen_at} passed through). */
    public static OutboundFrame.Text presenceUpdated(JsonNode state) {
        ObjectNode frame = JSON.createObjectNode().put("type", PRESENCE_UPDATED);
        frame.set("user_id", field(state, "user_id"));
        frame.put("online", state.path("online").asBoolean(false));
        frame.set("last_seen_at", field(state, "last_seen_at"));
        return text(PRESENCE_UPDATED, frame);
    }

    /** The field's value as it is, or null when absent. */
    private static JsonNode field(JsonNode object, String name) {
        JsonNode value = object.get(name);
        return value == null ? NullNode.getInstance() : value;
    }

    private static OutboundFrame.Text text(String type, Object frame) {
        return OutboundFrame.text(type, JSON.writeValueAsBytes(frame));
    }

    record SessionReady(String type, String sessionId, String userId, long heartbeatS, String nodeId) {
    }

    record Pong(String type, JsonNode ref) {
    }

    record Error(String type, String code, String message, JsonNode ref) {
    }

    record PresenceUpdated(String type, String userId, boolean online, Instant lastSeenAt) {
    }
}
