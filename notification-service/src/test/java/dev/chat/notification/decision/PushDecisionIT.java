package dev.chat.notification.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.notification.NotificationServiceIT;
import dev.chat.notification.support.Devices;
import dev.chat.notification.support.FakeApns;
import dev.chat.notification.support.FakeFcm;
import dev.chat.notification.support.Meters;
import dev.chat.notification.support.PushFakes;
import dev.chat.notification.support.TestCredentials;
import dev.chat.notification.support.TestEvents;
import dev.chat.notification.support.TestEvents.Conversation;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * The push decision end to end inside the service: events and signals written to Kafka as message-service
 * and the websocket nodes write them, pushes observed at the fake FCM and APNs. Grace period 1 s.
 * "No push" is asserted after a later push to the same user arrived (decisions of one conversation are taken
 * in deadline order), so nothing still on its way can be missed.
 */
@NotificationServiceIT
class PushDecisionIT {

    private static final Duration GRACE = Duration.ofSeconds(1);
    private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(20);

    @Autowired
    WebTestClient client;

    @Autowired
    PushDecisionStreams streams;

    @Autowired
    MeterRegistry registry;

    @Autowired
    DecisionMetrics decisions;

    Devices devices;
    TestEvents events;
    Meters meters;
    FakeFcm fcm = PushFakes.fcm();
    FakeApns apns = PushFakes.apns();

    @BeforeEach
    void setUp() {
        devices = new Devices(client);
        events = new TestEvents();
        meters = new Meters(registry);
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    @AfterEach
    void tearDown() {
        events.close();
    }

    @Test
    void anOfflineRecipientGetsExactlyOnePushOnEachDeviceAfterTheGracePeriodWithEveryField() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String android = devices.android(bob);
        String iphone = devices.ios(bob);
        Conversation conversation = Conversation.direct();
        ChatMessage hello = TestEvents.message(conversation, 1, alice, "Hello Bob, this is a message that is longer "
                + "than one hundred characters, so that the preview has to be cut somewhere near here: the rest is not shown");
        long sentAt = System.currentTimeMillis();
        events.created(conversation, hello, new Recipient(bob, true));

        await().atMost(PUSH_TIMEOUT).until(() -> fcm.requestsFor(android).size() == 1 && apns.requestsFor(iphone).size() == 1);
        FakeFcm.Request fcmRequest = fcm.requestsFor(android).get(0);
        FakeApns.Request apnsRequest = apns.requestsFor(iphone).get(0);
        // not before the grace period (the deadline is the event's broker timestamp + 1 s)
        assertThat(fcmRequest.receivedAtMillis() - sentAt).isGreaterThanOrEqualTo(GRACE.toMillis() - 50);
        assertThat(apnsRequest.receivedAtMillis() - sentAt).isGreaterThanOrEqualTo(GRACE.toMillis() - 50);

        String expectedBody = "Hello Bob, this is a message that is longer than one hundred characters, so that the "
                + "preview has to…";
        // FCM HTTP v1: notification + data, android collapse key, tag, priority, ttl, notification count = badge
        JsonNode message = fcmRequest.message();
        assertThat(fcmRequest.authorization()).isEqualTo("Bearer " + FakeFcm.ACCESS_TOKEN);
        assertThat(message.at("/notification/title").asString()).isEqualTo("Name of " + alice);
        assertThat(message.at("/notification/body").asString()).isEqualTo(expectedBody);
        assertThat(message.at("/data/type").asString()).isEqualTo("message.created");
        assertThat(message.at("/data/conversation_id").asString()).isEqualTo(conversation.id().toString());
        assertThat(message.at("/data/message_id").asString()).isEqualTo(hello.id().toString());
        assertThat(message.at("/data/seq").asString()).isEqualTo("1");
        assertThat(message.at("/data/sender_id").asString()).isEqualTo(alice);
        assertThat(message.get("data").propertyNames()).containsExactlyInAnyOrder("type", "conversation_id",
                "message_id", "seq", "sender_id");
        assertThat(message.at("/android/collapse_key").asString()).isEqualTo(conversation.id().toString());
        assertThat(message.at("/android/priority").asString()).isEqualTo("high");
        assertThat(seconds(message.at("/android/ttl").asString())).isCloseTo(86_400, within(60.0));
        assertThat(message.at("/android/notification/tag").asString()).isEqualTo(conversation.id().toString());
        assertThat(message.at("/android/notification/notification_count").asInt()).isEqualTo(1);
        assertThat(fcm.tokenRequests()).isPositive();

        // APNs: headers, aps, custom keys beside aps
        assertThat(apnsRequest.header(":method")).isEqualTo("POST");
        assertThat(apnsRequest.header("apns-topic")).isEqualTo(TestCredentials.APNS_TOPIC);
        assertThat(apnsRequest.header("apns-push-type")).isEqualTo("alert");
        assertThat(apnsRequest.header("apns-priority")).isEqualTo("10");
        assertThat(apnsRequest.header("apns-collapse-id")).isEqualTo(conversation.id().toString());
        assertThat(Long.parseLong(apnsRequest.header("apns-expiration")))
                .isCloseTo(Instant.now().plus(Duration.ofHours(24)).getEpochSecond(), within(120L));
        JsonNode jwtHeader = ChatJson.mapper().readTree(new String(Base64.getUrlDecoder().decode(
                apnsRequest.header("authorization").substring("bearer ".length()).split("\\.")[0]), StandardCharsets.UTF_8));
        assertThat(jwtHeader.get("kid").asString()).isEqualTo(TestCredentials.APNS_KEY_ID);
        JsonNode payload = apnsRequest.payload();
        assertThat(payload.at("/aps/alert/title").asString()).isEqualTo("Name of " + alice);
        assertThat(payload.at("/aps/alert/body").asString()).isEqualTo(expectedBody);
        assertThat(payload.at("/aps/badge").asInt()).isEqualTo(1);
        assertThat(payload.at("/aps/sound").asString()).isEqualTo("default");
        assertThat(payload.at("/aps/thread-id").asString()).isEqualTo(conversation.id().toString());
        assertThat(payload.at("/aps/mutable-content").asInt()).isEqualTo(1);
        assertThat(payload.get("type").asString()).isEqualTo("message.created");
        assertThat(payload.get("conversation_id").asString()).isEqualTo(conversation.id().toString());
        assertThat(payload.get("message_id").asString()).isEqualTo(hello.id().toString());
        assertThat(payload.get("seq").asLong()).isEqualTo(1);
        assertThat(payload.get("sender_id").asString()).isEqualTo(alice);

        // a second message: its own push, badge 2; and still exactly one push of the first on each device
        ChatMessage second = TestEvents.message(conversation, 2, alice, "Still there?");
        events.created(conversation, second, new Recipient(bob, true));
        await().atMost(PUSH_TIMEOUT).until(() -> fcm.requestsFor(android).size() == 2 && apns.requestsFor(iphone).size() == 2);
        assertThat(apns.requestsFor(iphone).get(1).payload().at("/aps/badge").asInt()).isEqualTo(2);
        assertThat(fcm.requestsFor(android).get(1).message().at("/notification/body").asString()).isEqualTo("Still there?");
        assertThat(fcm.requestsFor(android).get(1).message().at("/android/notification/notification_count").asInt())
                .isEqualTo(2);
    }

    @Test
    void anAckWithinTheGracePeriodMeansNoPush() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String android = devices.android(bob);
        Conversation conversation = Conversation.direct();
        double acked = meters.count("chat.push.decisions", "outcome", "acked");

        ChatMessage first = TestEvents.message(conversation, 1, alice, "seen at once");
        events.created(conversation, first, new Recipient(bob, true));
        events.ack(conversation, bob, 1);
        await().atMost(PUSH_TIMEOUT).until(() -> meters.count("chat.push.decisions", "outcome", "acked") > acked);

        ChatMessage second = TestEvents.message(conversation, 2, alice, "not acked");
        events.created(conversation, second, new Recipient(bob, true));
        await().atMost(PUSH_TIMEOUT).until(() -> !fcm.requestsFor(android).isEmpty());
        assertThat(bodies(android)).containsExactly("not acked");
    }

    @Test
    void anAckOfALaterSeqCoversEveryEarlierMessage() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String iphone = devices.ios(bob);
        Conversation conversation = Conversation.direct();
        for (long seq = 1; seq <= 3; seq++) {
            events.created(conversation, TestEvents.message(conversation, seq, alice, "m" + seq), new Recipient(bob, true));
        }
        events.ack(conversation, bob, 3); // one batched ack for all three

        events.created(conversation, TestEvents.message(conversation, 4, alice, "m4"), new Recipient(bob, true));
        await().atMost(PUSH_TIMEOUT).until(() -> !apns.requestsFor(iphone).isEmpty());
        assertThat(apns.requestsFor(iphone)).extracting(r -> r.payload().at("/aps/alert/body").asString())
                .containsExactly("m4");
    }

    @Test
    void aReadOverRestOrOverWebSocketWithinTheGracePeriodMeansNoPush() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String android = devices.android(bob);
        Conversation conversation = Conversation.direct();

        // REST: POST /receipts reaches us as receipt.updated (delivered and read watermarks)
        events.created(conversation, TestEvents.message(conversation, 1, alice, "read over REST"), new Recipient(bob, true));
        events.receipt(conversation, bob, 1, 1, List.of(alice, bob));
        // WebSocket: a read signal
        events.created(conversation, TestEvents.message(conversation, 2, alice, "read over WS"), new Recipient(bob, true));
        events.read(conversation, bob, 2);
        // a delivered-only receipt (a background fetch) counts as an ack
        events.created(conversation, TestEvents.message(conversation, 3, alice, "fetched"), new Recipient(bob, true));
        events.receipt(conversation, bob, 3, 2, List.of(alice, bob));

        events.created(conversation, TestEvents.message(conversation, 4, alice, "unread"), new Recipient(bob, true));
        await().atMost(PUSH_TIMEOUT).until(() -> !fcm.requestsFor(android).isEmpty());
        assertThat(bodies(android)).containsExactly("unread");
    }

    @Test
    void onlyRecipientsWhoWantAPushGetOneAndNeverTheSender() {
        String alice = Devices.user("alice");
        String muted = Devices.user("muted");
        String mentionsOnly = Devices.user("mentions");
        String mentioned = Devices.user("mentioned");
        String aliceDevice = devices.android(alice);
        String mutedDevice = devices.android(muted);
        String mentionsDevice = devices.android(mentionsOnly);
        String mentionedDevice = devices.ios(mentioned);
        Conversation group = Conversation.group("Launch crew");

        // message-service decides the flags: muted and "mentions" without a mention get push=false;
        // the sender appears with push=true here on purpose: it must still never be pushed
        ChatMessage message = TestEvents.message(group, 1, alice, "@mentioned look at this");
        events.created(group, message, new Recipient(muted, false), new Recipient(mentionsOnly, false),
                new Recipient(mentioned, true), new Recipient(alice, true));
        await().atMost(PUSH_TIMEOUT).until(() -> !apns.requestsFor(mentionedDevice).isEmpty());
        assertThat(apns.requestsFor(mentionedDevice).get(0).payload().at("/aps/alert/title").asString())
                .isEqualTo("Name of " + alice + " @ Launch crew");

        // a later message that does push the other two: theirs arrive, and nothing of the first ever did
        ChatMessage later = TestEvents.message(group, 2, alice, "everyone");
        events.created(group, later, new Recipient(muted, true), new Recipient(mentionsOnly, true));
        await().atMost(PUSH_TIMEOUT).until(() -> !fcm.requestsFor(mutedDevice).isEmpty()
                && !fcm.requestsFor(mentionsDevice).isEmpty());
        assertThat(bodies(mutedDevice)).containsExactly("everyone");
        assertThat(bodies(mentionsDevice)).containsExactly("everyone");
        assertThat(fcm.requestsFor(aliceDevice)).isEmpty();
    }

    @Test
    void aMessageDeletedBeforeItsDeadlineIsNotPushedAndAnEditedOneShowsTheNewContent() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String android = devices.android(bob);
        Conversation conversation = Conversation.direct();

        ChatMessage deleted = TestEvents.message(conversation, 1, alice, "oops");
        events.created(conversation, deleted, new Recipient(bob, true));
        events.deleted(conversation, deleted, List.of(alice, bob));
        ChatMessage edited = TestEvents.message(conversation, 2, alice, "typo");
        events.created(conversation, edited, new Recipient(bob, true));
        events.updated(conversation, new ChatMessage(edited.id(), edited.conversationId(), 2, alice, edited.senderName(),
                null, "text", "no typo", List.of(), null, List.of(), edited.createdAt(), Instant.now(), false),
                List.of(alice, bob));

        await().atMost(PUSH_TIMEOUT).until(() -> !fcm.requestsFor(android).isEmpty());
        assertThat(bodies(android)).containsExactly("no typo");
    }

    @Test
    void aRedeliveredEventIsPushedOncePerDevice() {
        String alice = Devices.user("alice");
        String bob = Devices.user("bob");
        String android = devices.android(bob);
        String iphone = devices.ios(bob);
        Conversation conversation = Conversation.direct();
        var event = events.created(conversation, TestEvents.message(conversation, 1, alice, "once"), new Recipient(bob, true));
        events.send(event); // the outbox published it twice
        await().atMost(PUSH_TIMEOUT).until(() -> fcm.requestsFor(android).size() == 1 && apns.requestsFor(iphone).size() == 1);

        // once that decision is complete, the same event once more: decided again, found in the push log, not sent
        // every decision of this application context, other tests' too: a push whose sent-record is slow to write
        // on a busy machine stays in flight while it is retried (up to 15 s), so this waits longer than a push
        await().atMost(PUSH_TIMEOUT.multipliedBy(3))
                .untilAsserted(() -> assertThat(decisions.pending()).as("push decisions pending").isZero());
        double skipped = meters.count("chat.push.skipped", "reason", "already_sent");
        events.send(event);
        await().atMost(PUSH_TIMEOUT).until(() -> meters.count("chat.push.skipped", "reason", "already_sent") >= skipped + 2);
        assertThat(fcm.requestsFor(android)).hasSize(1);
        assertThat(apns.requestsFor(iphone)).hasSize(1);
    }

    @Test
    void aUserWithoutDevicesIsDecidedWithoutAnySend() {
        String alice = Devices.user("alice");
        String nobody = Devices.user("nodevices");
        Conversation conversation = Conversation.direct();
        double pushed = meters.count("chat.push.decisions", "outcome", "pushed");
        int before = fcm.requests().size() + apns.requests().size();
        events.created(conversation, TestEvents.message(conversation, 1, alice, "to nobody"), new Recipient(nobody, true));
        await().atMost(PUSH_TIMEOUT).until(() -> meters.count("chat.push.decisions", "outcome", "pushed") > pushed);
        assertThat(fcm.requests().stream().filter(r -> r.message().toString().contains("to nobody"))).isEmpty();
        assertThat(fcm.requests().size() + apns.requests().size()).isGreaterThanOrEqualTo(before);
    }

    private List<String> bodies(String fcmToken) {
        return fcm.requestsFor(fcmToken).stream().map(r -> r.message().at("/notification/body").asString()).toList();
    }

    private static double seconds(String protobufDuration) {
        return Double.parseDouble(protobufDuration.replace("s", ""));
    }
}
