package dev.chat.shared.event;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.chat.shared.json.ChatJson;
import tools.jackson.databind.node.ObjectNode;

/**
 * One event on {@link Topics#CHAT_EVENTS}, keyed by conversation id.
 *
 * <p>The event names its audience ({@code recipients}) so that consumers never look membership up,
 * and carries {@code frame}: the exact JSON object WebSocket clients receive (with its {@code type}).
 * A websocket node therefore writes {@code frame} as it is, and new event types need no change there.
 *
 * <p>Kafka may carry an event twice (the outbox relay publishes at least once): consumers are
 * idempotent on {@code event_id}, and for {@code message.created} on ({@code conversation_id}, {@code seq}).
 * Consumers ignore unknown fields, so producers can add fields and services roll one at a time.
 *
 * @param eventId        unique per event, the same on every redelivery
 * @param type           one of {@link EventTypes}
 * @param version        schema version of this event type; a consumer that interprets the frame (e.g. the
 *                       notification service) skips versions it does not know; the websocket nodes pass
 *                       frames through untouched and deliver every version
 * @param occurredAt     when the change was committed
 * @param conversationId the conversation (also the Kafka key)
 * @param seq            for message events the message's seq, otherwise null
 * @param recipients     who receives it
 * @param frame          what clients receive, {@code {"type": ..., ...}}
 * @param conversation   for message events: the conversation's type and title (what a push notification
 *                       shows), else null
 * @param audience       {@link #TO_RECIPIENTS} (null means the same): the event is for {@code recipients};
 *                       {@link #TO_CONVERSATION}: a large group's event, for every member: websocket nodes deliver
 *                       it to the sessions subscribed to the conversation, and to the local sessions of
 *                       {@code recipients} too, which they subscribe (a membership event names those it added, or,
 *                       when the group just became large, every member); the notification service resolves the
 *                       members itself. Such events never list every member, so their size and the work on a
 *                       node do not grow with the group
 * @param unsubscribe    users whose sessions stop being subscribed to the conversation once this event is
 *                       delivered (they were removed); empty for most events
 */
public record ChatEvent(
        UUID eventId,
        String type,
        int version,
        Instant occurredAt,
        UUID conversationId,
        Long seq,
        List<Recipient> recipients,
        ObjectNode frame,
        ConversationSummary conversation,
        String audience,
        List<String> unsubscribe) {

    public static final int CURRENT_VERSION = 1;

    /** For the listed recipients only. */
    public static final String TO_RECIPIENTS = "recipients";
    /** For every member of the (large) conversation: nodes deliver to the sessions subscribed to it. */
    public static final String TO_CONVERSATION = "conversation";

    /** An event for its recipients (the usual case). */
    public ChatEvent(UUID eventId, String type, int version, Instant occurredAt, UUID conversationId, Long seq,
            List<Recipient> recipients, ObjectNode frame, ConversationSummary conversation) {
        this(eventId, type, version, occurredAt, conversationId, seq, recipients, frame, conversation, TO_RECIPIENTS,
                List.of());
    }

    /** Whether the event is for every member of its conversation (see {@code audience}). */
    public boolean toConversation() {
        return TO_CONVERSATION.equals(audience);
    }

    /** What consumers other than the websocket nodes need to know of the conversation (push titles). */
    public record ConversationSummary(String type, String title) {
    }

    public ChatEvent {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
        audience = audience == null ? TO_RECIPIENTS : audience;
        unsubscribe = unsubscribe == null ? List.of() : List.copyOf(unsubscribe);
    }

    /**
     * A new event whose frame is {@code {"type": type, ...fields}}, the fields written with the shared
     * JSON settings (records in snake_case, timestamps with milliseconds).
     */
    public static ChatEvent of(String type, UUID conversationId, Long seq, List<Recipient> recipients,
            Instant occurredAt, Map<String, ?> fields) {
        ObjectNode frame = ChatJson.mapper().createObjectNode();
        frame.put("type", type);
        fields.forEach((name, value) -> frame.set(name, ChatJson.mapper().valueToTree(value)));
        return new ChatEvent(UUID.randomUUID(), type, CURRENT_VERSION, occurredAt, conversationId, seq, recipients,
                frame, null);
    }

    /** The same event with the conversation summary set. */
    public ChatEvent withConversation(ConversationSummary summary) {
        return new ChatEvent(eventId, type, version, occurredAt, conversationId, seq, recipients, frame, summary,
                audience, unsubscribe);
    }

    /**
     * The same event for every member of the conversation ({@link #TO_CONVERSATION}), with these extra
     * recipients (to subscribe) and users to unsubscribe after delivery.
     */
    public ChatEvent toWholeConversation(List<Recipient> alsoTo, List<String> unsubscribeAfter) {
        return new ChatEvent(eventId, type, version, occurredAt, conversationId, seq, alsoTo, frame, conversation,
                TO_CONVERSATION, unsubscribeAfter);
    }
}
