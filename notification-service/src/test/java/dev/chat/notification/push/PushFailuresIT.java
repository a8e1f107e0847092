package dev.chat.notification.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.eatthepath.pushy.apns.server.RejectionReason;

import dev.chat.notification.NotificationServiceIT;
import dev.chat.notification.decision.PushDecisionStreams;
import dev.chat.notification.support.Devices;
import dev.chat.notification.support.FakeApns;
import dev.chat.notification.support.FakeFcm;
import dev.chat.notification.support.Meters;
import dev.chat.notification.support.PushFakes;
import dev.chat.notification.support.TestEvents;
import dev.chat.notification.support.TestEvents.Conversation;
import dev.chat.shared.event.Recipient;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * What the providers answer and what the service does about it: dead tokens removed at once after one
 * request, transient errors retried (3 attempts here, 100 ms doubling) and then dead-lettered, permanent
 * ones dead-lettered at once, and dead letters replayed.
 */
@NotificationServiceIT
class PushFailuresIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Autowired
    WebTestClient client;

    @Autowired
    PushDecisionStreams streams;

    @Autowired
    MeterRegistry registry;

    @Autowired
    DatabaseClient db;

    Devices devices;
    TestEvents events;
    Meters meters;
    FakeFcm fcm = PushFakes.fcm();
    FakeApns apns = PushFakes.apns();
    String alice = Devices.user("alice");
    String bob = Devices.user("bob");
    Conversation conversation = Conversation.direct();
    long seq;

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
    void apnsUnregisteredRemovesTheDeviceAfterOneRequest() {
        String iphone = devices.ios(bob);
        apns.rejectAlways(iphone, RejectionReason.UNREGISTERED);
        double removed = meters.count("chat.push.invalid_tokens", "provider", "apns", "reason", "Unregistered");

        send("hello");
        await().atMost(TIMEOUT).until(() -> tokens(bob).isEmpty());
        assertThat(meters.count("chat.push.invalid_tokens", "provider", "apns", "reason", "Unregistered"))
                .isEqualTo(removed + 1);
        assertOneRequestOnly(() -> apns.requestsFor(iphone).size());
    }

    @Test
    void apnsBadDeviceTokenRemovesTheDeviceAfterOneRequest() {
        String iphone = devices.ios(bob);
        apns.rejectAlways(iphone, RejectionReason.BAD_DEVICE_TOKEN);

        send("hello");
        await().atMost(TIMEOUT).until(() -> tokens(bob).isEmpty());
        assertOneRequestOnly(() -> apns.requestsFor(iphone).size());
    }

    @Test
    void fcmUnregisteredRemovesTheDeviceAfterOneRequest() {
        String android = devices.android(bob);
        fcm.failAlways(android, 404, "UNREGISTERED");

        send("hello");
        await().atMost(TIMEOUT).until(() -> tokens(bob).isEmpty());
        assertOneRequestOnly(() -> fcm.requestsFor(android).size());
    }

    @Test
    void fcmInvalidArgumentRemovesTheDeviceOnlyWhenItIsAboutTheToken() {
        String badToken = devices.android(bob);
        String badPayload = devices.android(bob);
        fcm.failAlways(badToken, 400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token");
        fcm.failAlways(badPayload, 400, "INVALID_ARGUMENT", "Invalid value at 'message.data[0].value'");

        send("hello");
        await().atMost(TIMEOUT).until(() -> !tokens(bob).contains(badToken) && deadLetters(badPayload) == 1);
        // a payload problem is no reason to drop the device: it is dead-lettered at once (no retry) and kept
        assertThat(tokens(bob)).containsExactly(badPayload);
        assertThat(fcm.requestsFor(badPayload)).hasSize(1);
        assertThat(fcm.requestsFor(badToken)).hasSize(1);
    }

    @Test
    void unavailableTwiceThenOkIsDeliveredOnceAndTheTokenIsKept() {
        String android = devices.android(bob);
        String iphone = devices.ios(bob);
        // FCM: firebase-admin itself retries 503 (its backoff, or Retry-After); APNs 503: our retries
        fcm.failTimes(android, 2, 503, "UNAVAILABLE", null);
        apns.rejectNext(iphone, RejectionReason.SERVICE_UNAVAILABLE, RejectionReason.SERVICE_UNAVAILABLE);
        double retried = meters.count("chat.push.retried", "provider", "apns", "reason", "ServiceUnavailable");

        send("eventually");
        await().atMost(TIMEOUT).until(() -> fcm.requestsFor(android).size() == 3 && apns.requestsFor(iphone).size() == 3
                && delivered(android) && delivered(iphone));
        assertThat(meters.count("chat.push.retried", "provider", "apns", "reason", "ServiceUnavailable"))
                .isEqualTo(retried + 2);
        assertThat(tokens(bob)).containsExactlyInAnyOrder(android, iphone);
        assertThat(deadLetters(android) + deadLetters(iphone)).isZero();
        // exactly one delivered: a later push is the only other request
        send("later");
        await().atMost(TIMEOUT).until(() -> fcm.requestsFor(android).size() == 4 && apns.requestsFor(iphone).size() == 4);
    }

    @Test
    void quotaExceededWaitsForRetryAfter() {
        String android = devices.android(bob);
        fcm.failTimes(android, 1, 429, "QUOTA_EXCEEDED", "1");

        send("throttled");
        await().atMost(TIMEOUT).until(() -> fcm.requestsFor(android).size() == 2 && delivered(android));
        List<FakeFcm.Request> requests = fcm.requestsFor(android);
        // the backoff alone would be 100 ms: the provider's Retry-After (1 s) wins
        assertThat(requests.get(1).receivedAtMillis() - requests.get(0).receivedAtMillis()).isGreaterThanOrEqualTo(950);
    }

    @Test
    void alwaysFailingIsDeadLetteredAfterTheConfiguredAttemptsAndCanBeReplayed() {
        String android = devices.android(bob);
        String iphone = devices.ios(bob);
        fcm.failAlways(android, 500, "INTERNAL");
        apns.rejectAlways(iphone, RejectionReason.INTERNAL_SERVER_ERROR);
        double dead = meters.count("chat.push.dead_lettered", "provider", "apns", "reason", "InternalServerError");

        send("doomed");
        await().atMost(TIMEOUT).until(() -> deadLetters(android) == 1 && deadLetters(iphone) == 1);
        assertThat(fcm.requestsFor(android)).hasSize(3);
        assertThat(apns.requestsFor(iphone)).hasSize(3);
        assertThat(meters.count("chat.push.dead_lettered", "provider", "apns", "reason", "InternalServerError"))
                .isEqualTo(dead + 1);
        Map<String, Object> letter = db.sql("SELECT kind, reason, attempts, notification::text AS n FROM push_dead_letters "
                + "WHERE token = :token").bind("token", iphone).fetch().one().block();
        assertThat(letter).containsEntry("kind", "ALERT").containsEntry("reason", "InternalServerError")
                .containsEntry("attempts", 3);
        assertThat(tokens(bob)).containsExactlyInAnyOrder(android, iphone);

        // the operator fixes the cause and replays both
        fcm.acceptAgain(android);
        apns.acceptAgain(iphone);
        Integer marked = db.sql("SELECT notification.replay_push_dead_letters(ARRAY(SELECT id FROM push_dead_letters "
                + "WHERE token IN (:a, :i))) AS n").bind("a", android).bind("i", iphone)
                .map(row -> row.get("n", Integer.class)).one().block();
        assertThat(marked).isEqualTo(2);
        await().atMost(TIMEOUT).until(() -> delivered(android) && delivered(iphone)
                && deadLetters(android) + deadLetters(iphone) == 0);
        assertThat(fcm.requestsFor(android)).hasSize(4);
        JsonNode replayed = apns.requestsFor(iphone).get(3).payload();
        assertThat(replayed.at("/aps/alert/body").asString()).isEqualTo("doomed");
    }

    @Test
    void aPermanentRejectionIsDeadLetteredAtOnceAndTheDeviceKept() {
        String iphone = devices.ios(bob);
        apns.rejectAlways(iphone, RejectionReason.DEVICE_TOKEN_NOT_FOR_TOPIC);

        send("wrong app");
        await().atMost(TIMEOUT).until(() -> deadLetters(iphone) == 1);
        assertThat(apns.requestsFor(iphone)).hasSize(1);
        assertThat(tokens(bob)).containsExactly(iphone);
    }

    private void send(String content) {
        seq++;
        events.created(conversation, TestEvents.message(conversation, seq, alice, content), new Recipient(bob, true));
    }

    /** After a later message was decided for bob, still only the one request of before. */
    private void assertOneRequestOnly(java.util.function.IntSupplier requests) {
        double pushed = meters.count("chat.push.decisions", "outcome", "pushed");
        send("after the token was removed");
        await().atMost(TIMEOUT).until(() -> meters.count("chat.push.decisions", "outcome", "pushed") > pushed);
        assertThat(requests.getAsInt()).isEqualTo(1);
    }

    private boolean delivered(String token) {
        Long sent = db.sql("SELECT count(*) AS n FROM push_log WHERE token = :token AND state = 'sent'")
                .bind("token", token).map(row -> row.get("n", Long.class)).one().block();
        return sent != null && sent > 0;
    }

    private long deadLetters(String token) {
        return db.sql("SELECT count(*) AS n FROM push_dead_letters WHERE token = :token").bind("token", token)
                .map(row -> row.get("n", Long.class)).one().block();
    }

    private List<String> tokens(String user) {
        JsonNode list = devices.list(user).expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
        return list.get("devices").valueStream().map(d -> d.get("token").asString()).toList();
    }
}
