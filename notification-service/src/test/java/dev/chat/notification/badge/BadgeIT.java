package dev.chat.notification.badge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.notification.NotificationServiceIT;
import dev.chat.notification.decision.PushDecisionStreams;
import dev.chat.notification.support.Devices;
import dev.chat.notification.support.FakeApns;
import dev.chat.notification.support.FakeFcm;
import dev.chat.notification.support.PushFakes;
import dev.chat.notification.support.TestEvents;
import dev.chat.notification.support.TestEvents.Conversation;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.Recipient;
import tools.jackson.databind.JsonNode;

/**
 * The badge stays true: alerts carry the user's total unread; a read elsewhere updates the iOS badge and clears
 * Android's notification; a deleted message's push is withdrawn.
 */
@NotificationServiceIT
class BadgeIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Autowired
    WebTestClient client;

    @Autowired
    PushDecisionStreams streams;

    Devices devices;
    TestEvents events;
    FakeFcm fcm = PushFakes.fcm();
    FakeApns apns = PushFakes.apns();
    String alice = Devices.user("alice");
    String bob = Devices.user("bob");

    @BeforeEach
    void setUp() {
        devices = new Devices(client);
        events = new TestEvents();
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    @AfterEach
    void tearDown() {
        events.close();
    }

    @Test
    void aReadOnOneDeviceUpdatesTheIosBadgeAndClearsTheAndroidNotification() {
        String android = devices.android(bob);
        String iphone = devices.ios(bob);
        Conversation conversation = Conversation.direct();
        push(conversation, 1, "one", android, iphone);
        push(conversation, 2, "two", android, iphone);
        assertThat(apns.requestsFor(iphone)).extracting(r -> r.payload().at("/aps/badge").asInt()).containsExactly(1, 2);

        // bob reads both on his laptop (REST receipt, or a read frame: message-service publishes receipt.updated)
        events.receipt(conversation, bob, 2, 2, List.of(alice, bob));

        await().atMost(TIMEOUT).until(() -> apns.requestsFor(iphone).size() == 3 && fcm.requestsFor(android).size() == 3);
        FakeApns.Request badge = apns.requestsFor(iphone).get(2);
        assertThat(badge.header("apns-push-type")).isEqualTo("alert");
        assertThat(badge.header("apns-priority")).isEqualTo("5");
        assertThat(badge.header("apns-collapse-id")).isNull();
        assertThat(badge.payload().get("aps").propertyNames()).containsExactlyInAnyOrder("badge", "content-available");
        assertThat(badge.payload().at("/aps/badge").asInt()).isZero();
        assertThat(badge.payload().at("/aps/content-available").asInt()).isEqualTo(1);
        assertThat(badge.payload().get("type").asString()).isEqualTo("conversation.read");
        assertThat(badge.payload().get("conversation_id").asString()).isEqualTo(conversation.id().toString());
        assertThat(badge.payload().get("read_seq").asLong()).isEqualTo(2);

        JsonNode clear = fcm.requestsFor(android).get(2).message();
        assertThat(clear.has("notification")).isFalse();
        assertThat(clear.at("/android/notification").isMissingNode()).isTrue();
        assertThat(clear.at("/android/priority").asString()).isEqualTo("normal");
        assertThat(clear.at("/android/collapse_key").asString()).isEqualTo(conversation.id().toString());
        assertThat(clear.at("/data/type").asString()).isEqualTo("conversation.read");
        assertThat(clear.at("/data/conversation_id").asString()).isEqualTo(conversation.id().toString());
        assertThat(clear.at("/data/read_seq").asString()).isEqualTo("2");
        assertThat(clear.at("/data/badge").asString()).isEqualTo("0");
    }

    @Test
    void theBadgeCountsEveryConversationAndAReadLowersItByThatConversationsUnread() {
        String iphone = devices.ios(bob);
        Conversation first = Conversation.direct();
        Conversation second = Conversation.group("Team");
        push(first, 1, "a", iphone);
        push(first, 2, "b", iphone);
        push(second, 1, "c", iphone);
        assertThat(apns.requestsFor(iphone)).extracting(r -> r.payload().at("/aps/badge").asInt()).containsExactly(1, 2, 3);

        events.receipt(first, bob, 1, 1, List.of(alice, bob)); // one of the two in the first conversation
        await().atMost(TIMEOUT).until(() -> apns.requestsFor(iphone).size() == 4);
        assertThat(apns.requestsFor(iphone).get(3).payload().at("/aps/badge").asInt()).isEqualTo(2);
    }

    @Test
    void aReadChangesNothingOnDevicesThatWereNeverPushed() {
        String iphone = devices.ios(bob);
        Conversation conversation = Conversation.direct();
        // bob is active elsewhere: acked at once, so nothing was pushed and no badge was ever set
        events.created(conversation, TestEvents.message(conversation, 1, alice, "seen"), new Recipient(bob, true));
        events.ack(conversation, bob, 1);
        events.receipt(conversation, bob, 1, 1, List.of(alice, bob));
        // the next pushed message is the only request the iPhone ever gets
        push(conversation, 2, "next", iphone);
        assertThat(apns.requestsFor(iphone)).extracting(r -> r.payload().at("/aps/alert/body").asString())
                .containsExactly("next");
        assertThat(apns.requestsFor(iphone).get(0).payload().at("/aps/badge").asInt()).isEqualTo(1);
    }

    @Test
    void aDeletedMessagesPushIsWithdrawn() {
        String android = devices.android(bob);
        String iphone = devices.ios(bob);
        Conversation conversation = Conversation.direct();
        ChatMessage message = push(conversation, 1, "regret", android, iphone);

        events.deleted(conversation, message, List.of(alice, bob));

        await().atMost(TIMEOUT).until(() -> apns.requestsFor(iphone).size() == 2 && fcm.requestsFor(android).size() == 2);
        JsonNode ios = apns.requestsFor(iphone).get(1).payload();
        assertThat(ios.get("type").asString()).isEqualTo("message.deleted");
        assertThat(ios.get("message_id").asString()).isEqualTo(message.id().toString());
        assertThat(ios.at("/aps/badge").asInt()).isZero();
        assertThat(ios.has("alert")).isFalse();
        JsonNode data = fcm.requestsFor(android).get(1).message().get("data");
        assertThat(data.get("type").asString()).isEqualTo("message.deleted");
        assertThat(data.get("message_id").asString()).isEqualTo(message.id().toString());
        assertThat(data.get("seq").asString()).isEqualTo("1");
        assertThat(fcm.requestsFor(android).get(1).message().has("notification")).isFalse();
    }

    /** Sends a message bob does not ack and waits for its alert on each of these devices. */
    private ChatMessage push(Conversation conversation, long seq, String content, String... tokens) {
        ChatMessage message = TestEvents.message(conversation, seq, alice, content);
        int[] before = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            before[i] = requests(tokens[i]);
        }
        events.created(conversation, message, new Recipient(bob, true));
        await().atMost(TIMEOUT).until(() -> {
            for (int i = 0; i < tokens.length; i++) {
                if (requests(tokens[i]) <= before[i]) {
                    return false;
                }
            }
            return true;
        });
        return message;
    }

    private int requests(String token) {
        return token.startsWith("fcm:") ? fcm.requestsFor(token).size() : apns.requestsFor(token).size();
    }
}
