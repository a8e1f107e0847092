package dev.chat.websocket.session;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.shared.json.ChatJson;

/** The frames this node writes itself (event frames come ready-made in {@code ChatEvent.frame}). */
final class ServerFrames {

    private static final JsonMapper JSON = ChatJson.mapper();

    private ServerFrames() {
    }

    static OutboundFrame.Text sessionReady(String sessionId, String userId, long heartbeatSeconds) {
        return text(new SessionReady("session.ready", sessionId, userId, heartbeatSeconds));
    }

    static OutboundFrame.Text pong(JsonNode ref) {
        return text(new Pong("pong", ref));
    }

    static OutboundFrame.Text error(String code, String message, JsonNode ref) {
        return text(new Error("error", code, message, ref));
    }

    private static OutboundFrame.Text text(Object frame) {
        return OutboundFrame.text(JSON.writeValueAsBytes(frame));
    }

    record SessionReady(String type, String sessionId, String userId, long heartbeatS) {
    }

    record Pong(String type, JsonNode ref) {
    }

    record Error(String type, String code, String message, JsonNode ref) {
    }
}
