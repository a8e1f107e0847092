package dev.chat.notification.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.chat.notification.decision.PendingPush;
import dev.chat.notification.device.Device;

class PushPayloadsTest {

    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    private final Device iphone = new Device("ab12", "bob", "ios", "dev.chat.app", "production", NOW, null);

    @Test
    void theTitleIsTheSenderAndInATitledGroupAlsoTheGroup() {
        PushPayloads payloads = payloads(true);
        assertThat(payloads.title(message("direct", null, "Alice", "text", "hi", false))).isEqualTo("Alice");
        assertThat(payloads.title(message("group", "Launch crew", "Alice", "text", "hi", false))).isEqualTo("Alice @ Launch crew");
        assertThat(payloads.title(message("group", null, "Alice", "text", "hi", false))).isEqualTo("Alice");
        assertThat(payloads.title(message("direct", null, null, "text", "hi", false))).isEqualTo("alice-id");
    }

    @Test
    void theBodyIsThePreviewOrAMediaWordOrThePrivacyText() {
        PushPayloads payloads = payloads(true);
        assertThat(payloads.body(message("direct", null, "A", "text", "hello", false))).isEqualTo("hello");
        assertThat(payloads.body(message("direct", null, "A", "text", "long text", true))).isEqualTo("long text…");
        assertThat(payloads.body(message("direct", null, "A", "image", "", false))).isEqualTo("Photo");
        assertThat(payloads.body(message("direct", null, "A", "image", "sunset", false))).isEqualTo("Photo: sunset");
        assertThat(payloads.body(message("direct", null, "A", "video", "", false))).isEqualTo("Video");
        assertThat(payloads.body(message("direct", null, "A", "audio", "", false))).isEqualTo("Audio");
        assertThat(payloads.body(message("direct", null, "A", "file", "", false))).isEqualTo("File");

        PushPayloads privateOnes = payloads(false);
        assertThat(privateOnes.body(message("direct", null, "A", "text", "secret", false))).isEqualTo("New message");
        assertThat(privateOnes.body(message("direct", null, "A", "image", "secret", false))).isEqualTo("New message");
    }

    @Test
    void anAlertCarriesTheDataKeysTheBadgeAndExpiresAfterTheTtl() {
        PendingPush message = message("direct", null, "Alice", "text", "hi", false);
        PushNotification alert = payloads(true).alert(message, iphone, 3);
        assertThat(alert.kind()).isEqualTo(PushNotification.Kind.ALERT);
        assertThat(alert.badge()).isEqualTo(3);
        assertThat(alert.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(24)));
        assertThat(alert.data()).containsOnlyKeys("type", "conversation_id", "message_id", "seq", "sender_id")
                .containsEntry("type", "message.created").containsEntry("seq", 7L)
                .containsEntry("sender_id", "alice-id").containsEntry("message_id", message.messageId().toString());
    }

    private PushPayloads payloads(boolean preview) {
        PushProperties defaults = new PushProperties(Duration.ofSeconds(2), preview, "New message", 100, Duration.ofHours(24),
                Duration.ofHours(1), Duration.ofMillis(100), 100, Duration.ofSeconds(30), Duration.ofHours(24),
                Duration.ofDays(2), 20, "", null, null, null, null);
        return new PushPayloads(defaults, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static PendingPush message(String type, String title, String senderName, String messageType, String content,
            boolean truncated) {
        return new PendingPush(UUID.randomUUID(), 7, UUID.randomUUID(), "alice-id", senderName, messageType, content,
                truncated, type, title, List.of("bob"), 0, 0);
    }
}
