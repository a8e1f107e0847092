package dev.chat.notification.push;

import java.time.Duration;

/** What a provider said about one push. */
public sealed interface SendResult {

    /** Accepted; {@code providerId} is the FCM message name or the APNs id. */
    record Delivered(String providerId) implements SendResult {
    }

    /** The provider says the token is dead (FCM UNREGISTERED or invalid-argument for the token; APNs 410, BadDeviceToken). */
    record InvalidToken(String reason) implements SendResult {
    }

    /** Worth trying again later (FCM UNAVAILABLE, INTERNAL, QUOTA_EXCEEDED; APNs 429, 5xx; no answer). */
    record Retryable(String reason, Duration retryAfter) implements SendResult {
    }

    /** Will fail every time as it is (a configuration or payload problem): dead-lettered at once. */
    record Failed(String reason) implements SendResult {
    }
}
