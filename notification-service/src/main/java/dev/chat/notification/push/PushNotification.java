package dev.chat.notification.push;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.chat.notification.device.Device;

/**
 * One push to one device, rendered and provider-neutral; {@link FcmPushSender} and {@link ApnsPushSender}
 * turn it into their request. Stored as it is in a dead letter, so that a replay sends the same thing.
 *
 * @param kind           what it is for
 * @param title          alert title ({@link Kind#ALERT} only)
 * @param body           alert body ({@link Kind#ALERT} only)
 * @param badge          the user's total unread (iOS badge, Android notification count); null: leave it
 * @param data           the custom keys: FCM {@code data} (as strings), APNs keys beside {@code aps}
 * @param expiresAt      when the provider may drop it if the device stayed offline
 */
public record PushNotification(
        Kind kind,
        Device device,
        UUID conversationId,
        Long seq,
        UUID messageId,
        String title,
        String body,
        Integer badge,
        Map<String, Object> data,
        Instant expiresAt) {

    public PushNotification {
        data = Map.copyOf(data);
    }

    public enum Kind {
        /** A new message: alert with title, body, badge, sound (the one kind that is de-duplicated per message and device). */
        ALERT,
        /** The user read a conversation elsewhere: iOS gets the new badge, Android a data message to clear the notification. */
        READ,
        /** A pushed message was deleted: the same as READ, naming the message, so that the app removes its notification. */
        WITHDRAW
    }

    public PushNotification withDevice(Device other) {
        return new PushNotification(kind, other, conversationId, seq, messageId, title, body, badge, data, expiresAt);
    }
}
