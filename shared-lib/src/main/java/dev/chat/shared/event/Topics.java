package dev.chat.shared.event;

/** Kafka topic names. Every topic is keyed as documented here so that per-key order holds. */
public final class Topics {

    /** Events about conversations and messages ({@link ChatEvent}), written only by message-service. Key: conversation id. */
    public static final String CHAT_EVENTS = "chat.events";

    /**
     * What clients say over WebSocket ({@link ChatSignal}: ack, read, typing), written by websocket nodes.
     * Key: conversation id; the same partition count as {@link #CHAT_EVENTS}, so that a consumer can join
     * the two partition by partition (the push decision does).
     */
    public static final String CHAT_SIGNALS = "chat.signals";

    /** Session up/down and node heartbeats ({@link PresenceSignal}), written by websocket nodes. Key: user id (node id for node signals). */
    public static final String CHAT_PRESENCE = "chat.presence";

    /** A user went online or offline ({@link PresenceUpdate}), written by message-service, read by every node. Key: user id. */
    public static final String CHAT_PRESENCE_UPDATES = "chat.presence.updates";

    /** Tokens revoked by an operator ({@link TokenRevocation}), read by every node from the beginning. Key: user id; compacted. */
    public static final String CHAT_REVOCATIONS = "chat.revocations";

    private Topics() {
    }
}
