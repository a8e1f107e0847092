package dev.chat.shared.event;

/** Kafka topic names. Every topic is keyed as documented here so that per-key order holds. */
public final class Topics {

    /** Events about conversations and messages, written only by message-service. Key: conversation id. */
    public static final String CHAT_EVENTS = "chat.events";

    /** What clients say over WebSocket (ack, read, typing). Key: conversation id. */
    public static final String CHAT_SIGNALS = "chat.signals";

    /** Session connect/disconnect and node heartbeats. Key: user id. */
    public static final String CHAT_PRESENCE = "chat.presence";

    private Topics() {
    }
}
