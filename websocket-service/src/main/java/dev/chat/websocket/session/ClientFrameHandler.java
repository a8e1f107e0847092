package dev.chat.websocket.session;

import java.util.Set;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.WebSocketMessage;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.WebSocketProperties;

/**
 * What clients say: one JSON object with a {@code type} per text frame. Runs on the connection's
 * event loop, so it only parses and queues answers; it never blocks.
 */
@Component
class ClientFrameHandler {

    static final String MALFORMED_FRAME = "malformed_frame";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String UNSUPPORTED_TYPE = "unsupported_type";

    /** Client frame types of the contract that this node does not handle yet (later issues). */
    static final Set<String> NOT_YET_SUPPORTED = Set.of("ack", "read", "typing", "sync", "presence.subscribe");

    private static final int MAX_ECHOED_TYPE_LENGTH = 64;

    private final JsonMapper json = ChatJson.mapper();
    private final int badFrameAllowance;

    ClientFrameHandler(WebSocketProperties properties) {
        this.badFrameAllowance = properties.badFrameAllowance();
    }

    void handle(ChatSession session, WebSocketMessage message) {
        session.touch();
        switch (message.getType()) {
            case TEXT -> text(session, message.getPayloadAsText());
            case PING -> session.send(new OutboundFrame.Pong(bytes(message.getPayload())));
            case PONG -> {
                // activity only
            }
            case BINARY -> bad(session, MALFORMED_FRAME, "Frames are JSON objects in text frames", NullNode.getInstance());
        }
    }

    void text(ChatSession session, String payload) {
        JsonNode frame;
        try {
            frame = json.readTree(payload);
        } catch (JacksonException e) {
            bad(session, MALFORMED_FRAME, "The frame is not valid JSON", NullNode.getInstance());
            return;
        }
        if (!(frame instanceof ObjectNode object)) {
            bad(session, MALFORMED_FRAME, "A frame is a JSON object with a type", NullNode.getInstance());
            return;
        }
        JsonNode ref = object.has("ref") ? object.get("ref") : NullNode.getInstance();
        JsonNode type = object.get("type");
        if (type == null || !type.isString() || type.asString().isBlank()) {
            bad(session, MALFORMED_FRAME, "A frame needs a string 'type'", ref);
            return;
        }
        String name = type.asString();
        if ("ping".equals(name)) {
            session.send(ServerFrames.pong(ref));
        } else if (NOT_YET_SUPPORTED.contains(name)) {
            // a valid frame of the contract: answered, but not counted against the allowance
            session.send(ServerFrames.error(UNSUPPORTED_TYPE, "'" + name + "' is not supported by this server yet", ref));
        } else {
            bad(session, UNKNOWN_TYPE, "Unknown frame type '" + shorten(name) + "'", ref);
        }
    }

    private void bad(ChatSession session, String code, String message, JsonNode ref) {
        session.send(ServerFrames.error(code, message, ref));
        if (session.recordBadFrame() > badFrameAllowance) {
            session.closeAfterDrain(CloseCodes.BAD_FRAMES);
        }
    }

    private static String shorten(String type) {
        return type.length() <= MAX_ECHOED_TYPE_LENGTH ? type : type.substring(0, MAX_ECHOED_TYPE_LENGTH) + "...";
    }

    private static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        return bytes;
    }
}
