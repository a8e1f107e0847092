package dev.chat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.chat.devstack.ChatStack;
import dev.chat.e2e.ChatClient.Response;
import dev.chat.e2e.PushFakes.Push;
import tools.jackson.databind.JsonNode;

/**
 * Pushes as a client app sees them: devices registered over REST through the gateway, messages sent over REST,
 * WebSocket clients that do or do not ack, and the fake FCM / APNs the stack's notification-service pushes to
 * (grace period: the default 2 s). Last, notification-service is killed with SIGKILL while decisions are
 * pending and started again: each is still pushed, once.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PushE2EIT {

    private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(30);

    ChatStack stack;
    PushFakes push;
    ChatClient api;

    /** One recipient with an Android phone and an iPhone, and a sender, in a new direct conversation. */
    final class Pair {
        final String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        final String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        final String aliceToken = api.devToken(alice);
        final String bobToken = api.devToken(bob);
        final String android = "fcm-e2e:" + UUID.randomUUID();
        final String iphone = apnsToken();
        final UUID conversation;

        Pair() {
            assertThat(api.post(bobToken, "/api/v1/devices", Map.of("platform", "android", "token", android)).status())
                    .isEqualTo(201);
            assertThat(api.post(bobToken, "/api/v1/devices", Map.of("platform", "ios", "token", iphone,
                    "app_id", PushFakes.APNS_TOPIC)).status()).isEqualTo(201);
            Response created = api.post(aliceToken, "/api/v1/conversations",
                    Map.of("type", "direct", "participant_ids", List.of(bob)));
            assertThat(created.status()).isEqualTo(201);
            conversation = UUID.fromString(created.body().get("id").asString());
        }

        JsonNode send(String content) {
            Response sent = api.post(aliceToken, "/api/v1/messages", Map.of("conversation_id", conversation,
                    "client_message_id", UUID.randomUUID(), "content", content));
            assertThat(sent.status()).isEqualTo(201);
            return sent.body();
        }

        void awaitAlert(String content) {
            await().atMost(PUSH_TIMEOUT).until(() -> bodies(android).contains(content) && bodies(iphone).contains(content));
        }

        List<String> bodies(String token) {
            return push.alertsTo(token).stream().map(Push::alertBody).toList();
        }
    }

    @BeforeAll
    void setUp(ChatStack stack, PushFakes push) {
        this.stack = stack;
        this.push = push;
        api = new ChatClient(stack.gatewayUrl());
    }

    @Test
    @Order(1)
    void devicesRegisteredOverRestGetThePushOfAMessageSentOverRestAndAReadClearsIt() {
        Pair pair = new Pair();
        JsonNode devices = api.get(pair.bobToken, "/api/v1/devices").body().get("devices");
        assertThat(devices).hasSize(2);

        long sentAt = System.nanoTime();
        JsonNode message = pair.send("Hello Bob");
        pair.awaitAlert("Hello Bob");
        Push android = push.alertsTo(pair.android).get(0);
        Push iphone = push.alertsTo(pair.iphone).get(0);
        // pushed after the grace period: nobody acked
        assertThat(Duration.ofNanos(iphone.receivedNanos() - sentAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(android.body().at("/notification/title").asString()).isEqualTo("User " + pair.alice);
        assertThat(android.body().at("/data/message_id").asString()).isEqualTo(message.get("id").asString());
        assertThat(android.body().at("/android/collapse_key").asString()).isEqualTo(pair.conversation.toString());
        assertThat(iphone.body().at("/aps/alert/title").asString()).isEqualTo("User " + pair.alice);
        assertThat(iphone.body().at("/aps/badge").asInt()).isEqualTo(1);
        assertThat(iphone.headers().get("apns-collapse-id")).isEqualTo(pair.conversation.toString());
        assertThat(iphone.headers().get("apns-topic")).isEqualTo(PushFakes.APNS_TOPIC);

        // bob reads it on his laptop (REST): his iPhone gets the new badge, his Android phone the clearing message
        assertThat(api.post(pair.bobToken, "/api/v1/conversations/" + pair.conversation + "/receipts",
                Map.of("read_seq", message.get("seq").asLong())).status()).isEqualTo(204);
        await().atMost(PUSH_TIMEOUT).until(() -> typed(pair.iphone, "conversation.read").size() == 1
                && typed(pair.android, "conversation.read").size() == 1);
        assertThat(typed(pair.iphone, "conversation.read").get(0).body().at("/aps/badge").asInt()).isZero();
        assertThat(typed(pair.android, "conversation.read").get(0).body().at("/data/conversation_id").asString())
                .isEqualTo(pair.conversation.toString());
        assertThat(push.alertsTo(pair.android)).hasSize(1);
        assertThat(push.alertsTo(pair.iphone)).hasSize(1);
    }

    @Test
    @Order(2)
    void aConnectedDeviceThatDoesNotAckStillGetsThePush() {
        Pair pair = new Pair();
        try (WsClient bobsTablet = ready(WsClient.connect(stack.gatewayWebSocketUrl(), pair.bobToken))) {
            pair.send("are you there?");
            await().atMost(Duration.ofSeconds(10)).until(() -> !bobsTablet.created(pair.conversation).isEmpty());
            // delivered to the socket, but the app never acked (asleep, half-open connection): pushed anyway
            pair.awaitAlert("are you there?");
        }
    }

    @Test
    @Order(3)
    void anAckOverWebSocketMeansNoPush() {
        Pair pair = new Pair();
        try (WsClient bobsPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), pair.bobToken))) {
            JsonNode first = pair.send("seen on the phone");
            await().atMost(Duration.ofSeconds(10)).until(() -> !bobsPhone.created(pair.conversation).isEmpty());
            bobsPhone.send(ChatClient.JSON.writeValueAsString(Map.of("type", "ack",
                    "conversation_id", pair.conversation, "seq", first.get("seq").asLong())));
            // frames of one connection are handled in order: once the pong is back, the ack was handled too.
            // websocket-service relays acks to chat.signals once the real-time issue lands; until then it answers
            // unsupported_type, and this test cannot say anything
            bobsPhone.send("{\"type\":\"ping\",\"ref\":\"after-ack\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> bobsPhone.frames().stream()
                    .anyMatch(f -> f.type().equals("pong") && "after-ack".equals(f.json().path("ref").asString(null))));
            Assumptions.assumeFalse(bobsPhone.frames().stream().anyMatch(f -> f.type().equals("error")
                    && "unsupported_type".equals(f.json().path("code").asString(null))),
                    "websocket-service does not relay ack frames yet (the real-time issue)");
        }
        pair.send("sent while offline");
        pair.awaitAlert("sent while offline");
        assertThat(pair.bodies(pair.android)).containsExactly("sent while offline");
        assertThat(pair.bodies(pair.iphone)).containsExactly("sent while offline");
    }

    @Test
    @Order(4)
    void aReadOverRestWithinTheGracePeriodMeansNoPush() {
        Pair pair = new Pair();
        JsonNode first = pair.send("read at once");
        assertThat(api.post(pair.bobToken, "/api/v1/conversations/" + pair.conversation + "/receipts",
                Map.of("read_seq", first.get("seq").asLong())).status()).isEqualTo(204);
        pair.send("not read");
        pair.awaitAlert("not read");
        assertThat(pair.bodies(pair.android)).containsExactly("not read");
        assertThat(pair.bodies(pair.iphone)).containsExactly("not read");
    }

    @Test
    @Order(5)
    void aMutedConversationGetsNoPush() {
        Pair pair = new Pair();
        String settings = "/api/v1/conversations/" + pair.conversation + "/settings";
        Response muted = api.call("PUT", settings, pair.bobToken,
                Map.of("muted_until", Instant.now().plus(Duration.ofHours(1)).toString()), Map.of());
        assertThat(muted.status()).isEqualTo(200);
        pair.send("while muted");
        Map<String, Object> unmute = new java.util.HashMap<>();
        unmute.put("muted_until", null);
        assertThat(api.call("PUT", settings, pair.bobToken, unmute, Map.of()).status()).isEqualTo(200);
        pair.send("after unmuting");
        pair.awaitAlert("after unmuting");
        assertThat(pair.bodies(pair.android)).containsExactly("after unmuting");
        assertThat(pair.bodies(pair.iphone)).containsExactly("after unmuting");
    }

    @Test
    @Order(99)
    void pendingDecisionsSurviveAKillAndAreEachPushedOnce() {
        Pair pair = new Pair();
        ChatClient notification = new ChatClient(stack.serviceUrl("notification-service"));
        String operator = ChatClient.signedToken("operator", stack.jwtSecret(), Duration.ofHours(1));
        double pendingBefore = pending(notification, operator);
        List<String> contents = List.of("before the crash 1", "before the crash 2", "before the crash 3");
        contents.forEach(pair::send);
        // decided on (the decisions wait for their 2 s deadline) but not pushed yet: kill -9 now
        await().atMost(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(20))
                .until(() -> pending(notification, operator) >= pendingBefore + 3);
        stack.kill("notification-service");
        assertThat(push.alertsTo(pair.android)).isEmpty();

        stack.start("notification-service");
        await().atMost(Duration.ofSeconds(90)).until(() -> pair.bodies(pair.android).containsAll(contents)
                && pair.bodies(pair.iphone).containsAll(contents));
        // and nothing twice: a later message's push arrives, and each earlier one is there exactly once
        pair.send("after the restart");
        pair.awaitAlert("after the restart");
        for (String token : List.of(pair.android, pair.iphone)) {
            assertThat(pair.bodies(token)).containsExactlyInAnyOrder("before the crash 1", "before the crash 2",
                    "before the crash 3", "after the restart");
        }
    }

    private double pending(ChatClient notification, String token) {
        Response metric = notification.get(token, "/actuator/metrics/chat.push.pending");
        return metric.status() == 200 ? metric.body().at("/measurements/0/value").asDouble() : -1;
    }

    private List<Push> typed(String token, String type) {
        return push.pushesTo(token).stream().filter(p -> type.equals(p.type())).toList();
    }

    private static WsClient ready(WsClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() -> client.hasFrame("session.ready"));
        return client;
    }

    private static String apnsToken() {
        byte[] bytes = new byte[32];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
