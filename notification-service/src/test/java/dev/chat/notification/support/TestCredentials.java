package dev.chat.notification.support;

/**
 * The names the notification-service tests' push credentials carry; the credentials themselves are made at test
 * time by test-support's {@link dev.chat.testsupport.PushCredentials}.
 */
public final class TestCredentials {

    public static final String PROJECT_ID = "chat-test-project";
    public static final String APNS_KEY_ID = "KEY1234567";
    public static final String APNS_TEAM_ID = "TEAM123456";
    public static final String APNS_TOPIC = "dev.chat.app";

    private TestCredentials() {
    }
}
