package dev.chat.shared.event;

/** The {@code type} values of {@link ChatEvent}; they are also the WebSocket frame types clients see. */
public final class EventTypes {

    public static final String MESSAGE_CREATED = "message.created";
    public static final String MESSAGE_UPDATED = "message.updated";
    public static final String MESSAGE_DELETED = "message.deleted";
    public static final String CONVERSATION_UPDATED = "conversation.updated";
    public static final String RECEIPT_UPDATED = "receipt.updated";
    /** Ephemeral: published by message-service straight to chat.events, never through the outbox. */
    public static final String TYPING_UPDATED = "typing.updated";

    private EventTypes() {
    }
}
