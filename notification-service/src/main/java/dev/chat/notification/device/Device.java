package dev.chat.notification.device;

import java.time.Instant;

/**
 * A registered push token of a user. {@code platform} picks the channel: {@code android} is FCM,
 * {@code ios} is APNs, where {@code appId} is the topic (bundle id) and {@code environment} the APNs server
 * (production or sandbox).
 *
 * @param lastBadge the badge this service last set on the device (iOS), null if none yet
 */
public record Device(String token, String userId, String platform, String appId, String environment,
        Instant createdAt, Integer lastBadge) {

    public static final String ANDROID = "android";
    public static final String IOS = "ios";
    public static final String PRODUCTION = "production";
    public static final String SANDBOX = "sandbox";

    public boolean ios() {
        return IOS.equals(platform);
    }

    public boolean sandbox() {
        return SANDBOX.equals(environment);
    }
}
