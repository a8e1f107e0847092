package dev.chat.notification.decision;

import java.util.List;
import java.util.UUID;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;

/**
 * What this service reads of a {@link ChatEvent}: the envelope and, of the frame, only the fields it uses,
 * parsed straight into records (the frame is never built as a tree; unknown fields are skipped). Every
 * event of {@code chat.events} is read twice here (the decision, the unread counts), so this matters.
 */
public record EventView(String type, int version, UUID conversationId, Long seq, List<Recipient> recipients,
        Frame frame, ChatEvent.ConversationSummary conversation) {

    public EventView {
        recipients = recipients == null ? List.of() : recipients;
    }

    /** {@code message} for message events; {@code user_id}, {@code delivered_seq}, {@code read_seq} for receipts. */
    public record Frame(MessageView message, String userId, Long deliveredSeq, Long readSeq) {
    }

    /** The Message object's fields a push needs. */
    public record MessageView(UUID id, long seq, String senderId, String senderName, String type, String content,
            boolean deleted) {
    }

    public static EventView parse(byte[] json) {
        return ChatJson.mapper().readValue(json, EventView.class);
    }

    public static EventView parse(String json) {
        return ChatJson.mapper().readValue(json, EventView.class);
    }

    /** The message of a message event, or null. */
    public MessageView message() {
        return frame == null ? null : frame.message();
    }

    /** The message's seq: the event's, else the message's own. */
    public long messageSeq() {
        return seq != null ? seq : message() != null ? message().seq() : -1;
    }
}
