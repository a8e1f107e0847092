package dev.chat.notification.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.chat.notification.device.Device;
import dev.chat.shared.json.ChatJson;
import tools.jackson.databind.JsonNode;

class ApnsPushSenderTest {

    private final Device iphone = new Device("ab12", "bob", "ios", "dev.chat.app", "production", Instant.now(), null);
    private final UUID conversation = UUID.randomUUID();

    @Test
    void anAlertHasApsAndTheCustomKeysBesideIt() {
        PushNotification alert = new PushNotification(PushNotification.Kind.ALERT, iphone, conversation, 4L,
                UUID.randomUUID(), "Alice", "hi", 2, Map.of("type", "message.created", "seq", 4L), Instant.now());
        JsonNode payload = ChatJson.mapper().readTree(ApnsPushSender.payload(alert));
        assertThat(payload.propertyNames()).containsExactlyInAnyOrder("aps", "type", "seq");
        assertThat(payload.get("aps").propertyNames()).containsExactlyInAnyOrder("alert", "badge", "sound", "thread-id",
                "mutable-content");
        assertThat(payload.at("/aps/thread-id").asString()).isEqualTo(conversation.toString());
        assertThat(payload.at("/aps/alert/title").asString()).isEqualTo("Alice");
        assertThat(payload.get("seq").asLong()).isEqualTo(4);
    }

    @Test
    void aBadgeUpdateIsSilentAndWakesTheApp() {
        PushNotification read = new PushNotification(PushNotification.Kind.READ, iphone, conversation, 4L, null, null,
                null, 0, Map.of("type", "conversation.read"), Instant.now());
        JsonNode payload = ChatJson.mapper().readTree(ApnsPushSender.payload(read));
        assertThat(payload.get("aps").propertyNames()).containsExactlyInAnyOrder("badge", "content-available");
        assertThat(payload.at("/aps/badge").asInt()).isZero();
    }
}
