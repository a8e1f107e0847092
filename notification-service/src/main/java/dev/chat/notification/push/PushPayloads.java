package dev.chat.notification.push;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Component;

import dev.chat.notification.decision.PendingPush;
import dev.chat.notification.device.Device;

/**
 * What a push says (API.md "Push notifications"), the same for both platforms:
 * <ul>
 * <li>title: the sender's name (their id if they have none), {@code "Alice @ Launch crew"} in a titled group;</li>
 * <li>body: the content's first {@code chat.push.preview-length} characters ({@code …} when cut); for media
 *     {@code Photo}, {@code Video}, {@code Audio}, {@code File} (with the caption after a colon, if any);
 *     {@code chat.push.privacy-text} for everything when {@code chat.push.preview=false};</li>
 * <li>data: {@code type}, {@code conversation_id}, {@code message_id}, {@code seq}, {@code sender_id}.</li>
 * </ul>
 */
@Component
public class PushPayloads {

    public static final String MESSAGE_CREATED = "message.created";
    public static final String CONVERSATION_READ = "conversation.read";
    public static final String MESSAGE_DELETED = "message.deleted";
    private static final Map<String, String> MEDIA_WORDS = Map.of(
            "image", "Photo", "video", "Video", "audio", "Audio", "file", "File");

    private final PushProperties properties;
    private final Clock clock;

    PushPayloads(PushProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    public PushNotification alert(PendingPush message, Device device, Integer badge) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", MESSAGE_CREATED);
        data.put("conversation_id", message.conversationId().toString());
        data.put("message_id", message.messageId().toString());
        data.put("seq", message.seq());
        data.put("sender_id", message.senderId());
        return new PushNotification(PushNotification.Kind.ALERT, device, message.conversationId(), message.seq(),
                message.messageId(), title(message), body(message), badge, data, clock.instant().plus(properties.ttl()));
    }

    /** The user read the conversation up to {@code readSeq} elsewhere; {@code badge} is their new total. */
    public PushNotification read(Device device, UUID conversationId, long readSeq, int badge) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", CONVERSATION_READ);
        data.put("conversation_id", conversationId.toString());
        data.put("read_seq", readSeq);
        data.put("badge", badge);
        return new PushNotification(PushNotification.Kind.READ, device, conversationId, readSeq, null, null, null,
                badge, data, clock.instant().plus(properties.ttl()));
    }

    /** A message this device was pushed was deleted; {@code badge} is the user's new total. */
    public PushNotification withdraw(Device device, UUID conversationId, long seq, UUID messageId, int badge) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", MESSAGE_DELETED);
        data.put("conversation_id", conversationId.toString());
        data.put("message_id", messageId.toString());
        data.put("seq", seq);
        data.put("badge", badge);
        return new PushNotification(PushNotification.Kind.WITHDRAW, device, conversationId, seq, messageId, null, null,
                badge, data, clock.instant().plus(properties.ttl()));
    }

    String title(PendingPush message) {
        String sender = message.senderName() == null || message.senderName().isBlank() ? message.senderId()
                : message.senderName();
        boolean group = "group".equals(message.conversationType());
        if (group && message.conversationTitle() != null && !message.conversationTitle().isBlank()) {
            return sender + " @ " + message.conversationTitle();
        }
        return sender;
    }

    String body(PendingPush message) {
        if (!properties.preview()) {
            return properties.privacyText();
        }
        String text = message.content() == null ? "" : message.content();
        if (message.truncated()) {
            text = text + "…";
        }
        String media = MEDIA_WORDS.get(message.messageType());
        if (media != null) {
            return text.isEmpty() ? media : media + ": " + text;
        }
        return text.isEmpty() ? properties.privacyText() : text;
    }
}
