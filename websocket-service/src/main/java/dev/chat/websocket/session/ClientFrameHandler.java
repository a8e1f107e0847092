package dev.chat.websocket.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.WebSocketMessage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.NodeIdentity;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.presence.PresenceSubscriptions;
import dev.chat.websocket.signal.SignalPublisher;
import dev.chat.websocket.sync.SyncService;

/**
 * What clients say: one JSON object with a {@code type} per text frame, in the shapes of API.md. Runs
 * on the connection's event loop, so it only parses, checks and hands off (a queue offer, a
 * non-blocking call); it never blocks.
 *
 * <ul>
 *   <li>{@code ack}, {@code read}, {@code typing}: a {@link ChatSignal} to {@code chat.signals}. The node
 *       checks the shape only; message-service checks membership.</li>
 *   <li>{@code sync}: {@link SyncService}. {@code presence.subscribe}: {@link PresenceSubscriptions}.</li>
 *   <li>{@code ping}: {@code pong} with the same {@code ref}.</li>
 * </ul>
 *
 * <p>A frame that is not a JSON object with a string type ({@code malformed_frame}), of an unknown type
 * ({@code unknown_type}), or of a known type with a missing or wrong field ({@code invalid_frame}) is
 * answered with an {@code error} carrying its {@code ref} and counts against the bad-frame allowance;
 * the frame beyond it closes the connection with 1008. A subscription to more than 500 users is
 * answered {@code too_many_user_ids} and does not count. Frames arriving once the session is closing
 * are ignored.
 *
 * <p>Every inbound frame but a PONG is taken from the session's token bucket ({@code chat.ws.frame-rate}); the
 * one that finds it empty is dropped and closes the session with 1008 {@code rate limit exceeded} once what
 * is queued for it has been written (counted as {@code chat.ws.frames.rate-limited}).
 */
@Component
class ClientFrameHandler {

    static final String MALFORMED_FRAME = "malformed_frame";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String INVALID_FRAME = "invalid_frame";
    static final String TOO_MANY_USER_IDS = "too_many_user_ids";

    static final String PING = "ping";
    static final String ACK = "ack";
    static final String READ = "read";
    static final String TYPING = "typing";
    static final String SYNC = "sync";
    static final String PRESENCE_SUBSCRIBE = "presence.subscribe";

    /** The most users one {@code presence.subscribe} may name (API.md). */
    static final int MAX_USER_IDS = 500;
    /** The longest change cursor passed through (cursors are opaque; message-service makes them short). */
    static final int MAX_CURSOR_LENGTH = 512;

    private static final List<String> TYPES = List.of(PING, ACK, READ, TYPING, SYNC, PRESENCE_SUBSCRIBE);
    private static final int MAX_ECHOED_TYPE_LENGTH = 64;

    private final JsonMapper json = ChatJson.mapper();
    private final int badFrameAllowance;
    private final String nodeId;
    private final SignalPublisher signals;
    private final SyncService syncs;
    private final PresenceSubscriptions presence;
    private final Map<String, Counter> framesIn = new ConcurrentHashMap<>();
    private final long nanosPerFrame;
    private final long burstNanos;
    private final Counter rateLimited;

    ClientFrameHandler(WebSocketProperties properties, NodeIdentity node, SignalPublisher signals, SyncService syncs,
            PresenceSubscriptions presence, MeterRegistry meters) {
        this.badFrameAllowance = properties.badFrameAllowance();
        this.nanosPerFrame = properties.frameRate().nanosPerFrame();
        this.burstNanos = properties.frameRate().burstNanos();
        this.rateLimited = Counter.builder("chat.ws.frames.rate-limited")
                .description("Inbound frames over chat.ws.frame-rate; each closed its session with 1008")
                .register(meters);
        this.nodeId = node.id();
        this.signals = signals;
        this.syncs = syncs;
        this.presence = presence;
        for (String type : TYPES) {
            framesIn.put(type, frameCounter(meters, type));
        }
        framesIn.put(UNKNOWN_TYPE, frameCounter(meters, "unknown"));
        framesIn.put(MALFORMED_FRAME, frameCounter(meters, "malformed"));
    }

    private static Counter frameCounter(MeterRegistry meters, String type) {
        return Counter.builder("chat.ws.frames.in").description("Text frames received from clients, by type")
                .tag("type", type).register(meters);
    }

    void handle(ChatSession session, WebSocketMessage message) {
        long now = session.touch();
        if (session.isClosing()) {
            return;
        }
        if (message.getType() != WebSocketMessage.Type.PONG && !session.admitFrame(now, nanosPerFrame, burstNanos)) {
            rateLimited.increment();
            session.closeAfterDrain(CloseCodes.RATE_LIMITED);
            return;
        }
        switch (message.getType()) {
            case TEXT -> text(session, message.getPayloadAsText());
            case PING -> session.send(new OutboundFrame.Pong(bytes(message.getPayload())));
            case PONG -> {
                // activity only
            }
            case BINARY -> {
                framesIn.get(MALFORMED_FRAME).increment();
                bad(session, MALFORMED_FRAME, "Frames are JSON objects in text frames", NullNode.getInstance());
            }
        }
    }

    void text(ChatSession session, String payload) {
        JsonNode parsed;
        try {
            parsed = json.readTree(payload);
        } catch (JacksonException e) {
            malformed(session, "The frame is not valid JSON", NullNode.getInstance());
            return;
        }
        if (!(parsed instanceof ObjectNode frame)) {
            malformed(session, "A frame is a JSON object with a type", NullNode.getInstance());
            return;
        }
        if (hasUnpairedSurrogate(frame)) {
            // it could not be echoed (ref, type): an unpaired surrogate has no UTF-8 form, the answer would be an
            // invalid text frame that clients fail on (found by FrameFuzzIT)
            malformed(session, "The frame has text that is not valid Unicode (an unpaired surrogate)", NullNode.getInstance());
            return;
        }
        JsonNode ref = frame.has("ref") ? frame.get("ref") : NullNode.getInstance();
        JsonNode type = frame.get("type");
        if (type == null || !type.isString() || type.asString().isBlank()) {
            malformed(session, "A frame needs a string 'type'", ref);
            return;
        }
        String name = type.asString();
        Counter counter = framesIn.get(name);
        if (counter == null) {
            framesIn.get(UNKNOWN_TYPE).increment();
            bad(session, UNKNOWN_TYPE, "Unknown frame type '" + shorten(name) + "'", ref);
            return;
        }
        counter.increment();
        try {
            switch (name) {
                case PING -> session.send(ServerFrames.pong(ref));
                case ACK -> signal(ChatSignal.ack(conversationId(frame), session.userId(), session.id(), nodeId,
                        seq(frame, "seq")));
                case READ -> signal(ChatSignal.read(conversationId(frame), session.userId(), session.id(), nodeId,
                        seq(frame, "seq")));
                case TYPING -> signal(ChatSignal.typing(conversationId(frame), session.userId(), session.id(), nodeId,
                        bool(frame, "typing")));
                case SYNC -> syncs.request(session, new SyncService.SyncRequest(conversationId(frame),
                        seq(frame, "after_seq"), cursor(frame, "after_change"), ref));
                case PRESENCE_SUBSCRIBE -> presenceSubscribe(session, frame, ref);
                default -> throw new IllegalStateException(name);
            }
        } catch (InvalidFrame e) {
            bad(session, INVALID_FRAME, e.getMessage(), ref);
        }
    }

    private void signal(ChatSignal signal) {
        // a full queue drops the signal (counted): acks are cumulative, the next one carries it
        signals.publish(signal);
    }

    private void presenceSubscribe(ChatSession session, ObjectNode frame, JsonNode ref) {
        JsonNode ids = frame.get("user_ids");
        if (ids == null || !ids.isArray()) {
            throw new InvalidFrame("'user_ids' must be an array of user ids");
        }
        if (ids.size() > MAX_USER_IDS) {
            // a valid frame asking too much: answered, not counted as a bad frame
            session.send(ServerFrames.error(TOO_MANY_USER_IDS,
                    "At most " + MAX_USER_IDS + " user ids per presence.subscribe (got " + ids.size() + ")", ref));
            return;
        }
        List<String> users = new ArrayList<>(ids.size());
        for (JsonNode id : ids) {
            if (!id.isString() || id.asString().isEmpty() || id.asString().length() > ChatJwtDecoders.MAX_USER_ID_LENGTH) {
                throw new InvalidFrame("'user_ids' must hold user ids: strings of 1.."
                        + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters");
            }
            users.add(id.asString());
        }
        presence.subscribe(session, users, ref);
    }

    private static UUID conversationId(ObjectNode frame) {
        JsonNode id = frame.get("conversation_id");
        if (id == null || !id.isString()) {
            throw new InvalidFrame("'conversation_id' must be a conversation id (a UUID string)");
        }
        try {
            String text = id.asString();
            UUID uuid = UUID.fromString(text);
            if (text.length() != 36) {
                throw new IllegalArgumentException(text);
            }
            return uuid;
        } catch (IllegalArgumentException e) {
            throw new InvalidFrame("'conversation_id' must be a conversation id (a UUID string)");
        }
    }

    private static long seq(ObjectNode frame, String field) {
        JsonNode seq = frame.get(field);
        if (seq == null || !seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 0) {
            throw new InvalidFrame("'" + field + "' must be a whole number >= 0");
        }
        return seq.asLong();
    }

    private static boolean bool(ObjectNode frame, String field) {
        JsonNode value = frame.get(field);
        if (value == null || !value.isBoolean()) {
            throw new InvalidFrame("'" + field + "' must be true or false");
        }
        return value.asBoolean();
    }

    /** An optional opaque cursor: absent or null, a whole number >= 0, or a short string. */
    private static String cursor(ObjectNode frame, String field) {
        JsonNode value = frame.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0) {
            return Long.toString(value.asLong());
        }
        if (value.isString() && !value.asString().isBlank() && value.asString().length() <= MAX_CURSOR_LENGTH) {
            return value.asString();
        }
        throw new InvalidFrame("'" + field + "' must be the change_cursor of an earlier sync.done, or absent");
    }

    private void malformed(ChatSession session, String message, JsonNode ref) {
        framesIn.get(MALFORMED_FRAME).increment();
        bad(session, MALFORMED_FRAME, message, ref);
    }

    private void bad(ChatSession session, String code, String message, JsonNode ref) {
        session.send(ServerFrames.error(code, message, ref));
        if (session.recordBadFrame() > badFrameAllowance) {
            session.closeAfterDrain(CloseCodes.BAD_FRAMES);
        }
    }

    /** At most {@link #MAX_ECHOED_TYPE_LENGTH} characters, never half of a surrogate pair (it has no UTF-8 form). */
    static String shorten(String type) {
        if (type.length() <= MAX_ECHOED_TYPE_LENGTH) {
            return type;
        }
        int end = Character.isHighSurrogate(type.charAt(MAX_ECHOED_TYPE_LENGTH - 1)) ? MAX_ECHOED_TYPE_LENGTH - 1
                : MAX_ECHOED_TYPE_LENGTH;
        return type.substring(0, end) + "...";
    }

    /** Whether a string or a field name anywhere in the frame has a surrogate that is not part of a pair. */
    static boolean hasUnpairedSurrogate(JsonNode node) {
        if (node.isString()) {
            return hasUnpairedSurrogate(node.asString());
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                if (hasUnpairedSurrogate(property.getKey()) || hasUnpairedSurrogate(property.getValue())) {
                    return true;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (hasUnpairedSurrogate(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean hasUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        return bytes;
    }

    /** A frame of a known type with a missing or wrong field. */
    private static final class InvalidFrame extends RuntimeException {
        InvalidFrame(String message) {
            super(message, null, false, false);
        }
    }
}
