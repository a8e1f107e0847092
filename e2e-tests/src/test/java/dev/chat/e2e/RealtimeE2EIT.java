package dev.chat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import dev.chat.devstack.ChatStack;
import dev.chat.e2e.ChatClient.Response;
import tools.jackson.databind.JsonNode;

/**
 * The real-time protocol through the gateway, over two websocket nodes: ticks from acks and reads,
 * catching up after being away (new messages, an edit of an old one), typing, large groups that
 * stay quiet, bad frames, revocation, and a node killed hard.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealtimeE2EIT {

    ChatStack stack;
    ChatClient api;
    String run;

    @BeforeAll
    void setUp(ChatStack stack) {
        this.stack = stack;
        api = new ChatClient(stack.gatewayUrl());
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    @Order(1)
    void theSenderSeesBothTicksWhenTheReceiverAcksAndReads() {
        String aliceToken = token("alice");
        String bobToken = token("bob");
        UUID conversation = direct(aliceToken, "bob-" + run);
        try (WsClient alice = ready(WsClient.connect(stack.gatewayWebSocketUrl(), aliceToken));
                WsClient bob = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            long seq = send(aliceToken, conversation, "hello bob");
            await().atMost(Duration.ofSeconds(10)).until(() -> bob.seqs(conversation).contains(seq));
            bob.send(frame("ack", conversation, seq));
            await().atMost(Duration.ofSeconds(10)).until(() -> alice.framesOf("receipt.updated", conversation).stream()
                    .anyMatch(f -> f.json().get("user_id").asString().equals("bob-" + run)
                            && f.json().get("delivered_seq").asLong() == seq && f.json().get("read_seq").asLong() == 0));
            bob.send(frame("read", conversation, seq));
            await().atMost(Duration.ofSeconds(10)).until(() -> alice.framesOf("receipt.updated", conversation).stream()
                    .anyMatch(f -> f.json().get("read_seq").asLong() == seq));
            // REST shows the same
            JsonNode receipts = api.get(aliceToken, "/api/v1/messages/" + messageId(aliceToken, conversation, seq) + "/receipts").body();
            assertThat(receipts.get(0).get("status").asString()).isEqualTo("read");
        }
    }

    @Test
    @Order(2)
    void aPhoneThatWasAwaySyncsAndEndsWithTheHistoryGetShows() {
        String aliceToken = token("alice2");
        String bobToken = token("bob2");
        UUID conversation = direct(aliceToken, "bob2-" + run);
        long cursor;
        long lastSeq;
        long old = send(aliceToken, conversation, "an old message");
        try (WsClient bob = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            JsonNode done = sync(bob, conversation, 0, null, "first");
            cursor = done.get("change_cursor").asLong();
            lastSeq = done.get("last_seq").asLong();
            assertThat(lastSeq).isEqualTo(old);
        }
        // bob is away: five new messages, and the old one is edited
        for (int i = 1; i <= 5; i++) {
            send(aliceToken, conversation, "while you were away " + i);
        }
        Response edited = api.call("PATCH", "/api/v1/messages/" + messageId(aliceToken, conversation, old), aliceToken,
                Map.of("content", "an old message, edited"), Map.of());
        assertThat(edited.status()).isEqualTo(200);

        try (WsClient bob = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            JsonNode done = sync(bob, conversation, lastSeq, cursor, "again");
            assertThat(done.get("has_more").asBoolean()).isFalse();
            List<JsonNode> replayed = bob.framesOf("message.created", conversation).stream().map(WsClient.Frame::json).toList();
            assertThat(replayed).allMatch(f -> f.get("replay").asBoolean());
            List<JsonNode> updated = bob.framesOf("message.updated", conversation).stream().map(WsClient.Frame::json).toList();
            assertThat(updated).hasSize(1);
            // what the phone now holds: the first sync's message, edited, and the five new ones
            List<JsonNode> held = new ArrayList<>();
            held.add(updated.getFirst().get("message"));
            replayed.forEach(f -> held.add(f.get("message")));
            JsonNode history = api.get(bobToken, "/api/v1/conversations/" + conversation + "/messages?after_seq=0").body();
            assertThat(held).containsExactlyElementsOf(history.get("messages").valueStream().toList());
        }
    }

    @Test
    @Order(3)
    void typingReachesOnlyParticipantsAndExpires() {
        String aliceToken = token("alice3");
        String bobToken = token("bob3");
        String malloryToken = token("mallory3");
        UUID conversation = direct(aliceToken, "bob3-" + run);
        try (WsClient bob = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken));
                WsClient alice = ready(WsClient.connect(stack.gatewayWebSocketUrl(), aliceToken));
                WsClient mallory = ready(WsClient.connect(stack.gatewayWebSocketUrl(), malloryToken))) {
            mallory.send("{\"type\":\"typing\",\"conversation_id\":\"" + conversation + "\",\"typing\":true}");
            alice.send("{\"type\":\"typing\",\"conversation_id\":\"" + conversation + "\",\"typing\":true}");
            await().atMost(Duration.ofSeconds(10)).until(() -> bob.framesOf("typing.updated", conversation).size() == 1);
            assertThat(bob.framesOf("typing.updated", conversation).getFirst().json().get("user_id").asString())
                    .isEqualTo("alice3-" + run);
            // not renewed: it expires after 5 s, delivered as typing false
            await().atMost(Duration.ofSeconds(15)).until(() -> bob.framesOf("typing.updated", conversation).size() == 2);
            assertThat(bob.framesOf("typing.updated", conversation).get(1).json().get("typing").asBoolean()).isFalse();
            assertThat(alice.framesOf("typing.updated", conversation)).isEmpty();
            assertThat(mallory.ofType("typing.updated")).isEmpty();
        }
    }

    @Test
    @Order(4)
    void badFramesThroughTheGatewayAlwaysEndWith1008AfterTheirErrors() {
        for (int attempt = 0; attempt < 20; attempt++) {
            // a user per attempt: the gateway limits how often one user may connect
            try (WsClient noisy = ready(WsClient.connect(stack.gatewayWebSocketUrl(), token("noisy" + attempt)))) {
                // the node closes after its 11th error: frames after that may find the output closed
                for (int i = 0; i < 50 && noisy.sendUnlessClosed("not json " + i); i++) {
                }
                int code = noisy.closed().orTimeout(15, TimeUnit.SECONDS).join();
                assertThat(code).as("attempt " + attempt).isEqualTo(1008);
                assertThat(noisy.ofType("error")).as("attempt " + attempt).hasSize(11)
                        .allMatch(f -> f.json().get("code").asString().equals("malformed_frame"));
            }
        }
    }

    @Test
    @Order(5)
    void anOperatorsRevocationClosesTheUsersSocketsWith4401() {
        String victim = "victim-" + run;
        String victimToken = ChatClient.signedToken(victim, stack.jwtSecret(), Duration.ofHours(1));
        try (WsClient phone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), victimToken))) {
            Response revoked = api.post(operatorToken(), "/api/v1/admin/revocations", Map.of("user_id", victim));
            assertThat(revoked.status()).isEqualTo(202);
            assertThat(phone.closed().orTimeout(15, TimeUnit.SECONDS).join()).isEqualTo(4401);
        }
        // and the old token opens nothing any more: through the gateway (which has answered 101 before the
        // node refuses the token) that is a close with 4401 before any session.ready
        WsClient again = WsClient.connect(stack.gatewayWebSocketUrl(), victimToken);
        assertThat(again.closed().orTimeout(15, TimeUnit.SECONDS).join()).isEqualTo(4401);
        assertThat(again.hasFrame("session.ready")).isFalse();
    }

    /**
     * A 2,000-member group with every member connected: one member's login, typing, ack and read cause no
     * frame at any other member (large groups: no presence fan-out, no typing, receipts to the reader only).
     */
    @Test
    @Order(6)
    void inALargeGroupOneMembersActivityCausesNoFramesAtTheOthers() {
        String owner = "owner-" + run;
        String ownerToken = token("owner");
        List<String> members = IntStream.range(0, 1999).mapToObj(i -> "lg" + i + "-" + run).toList();
        UUID group = UUID.fromString(api.post(ownerToken, "/api/v1/conversations", Map.of("type", "group",
                "participant_ids", members.subList(0, 999), "title", "Everyone")).body().get("id").asString());
        assertThat(api.post(ownerToken, "/api/v1/conversations/" + group + "/participants",
                Map.of("user_ids", members.subList(999, 1999))).status()).isEqualTo(200);
        String active = members.getFirst();
        List<WsClient> others = new ArrayList<>();
        try {
            for (String member : members.subList(1, members.size())) {
                others.add(WsClient.connectShared(stack.gatewayWebSocketUrl(),
                        ChatClient.signedToken(member, stack.jwtSecret(), Duration.ofHours(1))));
            }
            others.add(WsClient.connectShared(stack.gatewayWebSocketUrl(), ownerToken));
            await().atMost(Duration.ofSeconds(120)).until(() -> others.stream().allMatch(c -> c.hasFrame("session.ready")));
            long first = send(ownerToken, group, "hello everyone");
            await().atMost(Duration.ofSeconds(60)).until(() -> others.stream().allMatch(c -> c.seqs(group).contains(first)));

            // the active member logs in, types, acks and reads
            long second;
            try (WsClient phone = ready(WsClient.connect(stack.gatewayWebSocketUrl(),
                    ChatClient.signedToken(active, stack.jwtSecret(), Duration.ofHours(1))))) {
                phone.send("{\"type\":\"typing\",\"conversation_id\":\"" + group + "\",\"typing\":true}");
                phone.send(frame("ack", group, first));
                phone.send(frame("read", group, first));
                // their own devices hear of their read
                await().atMost(Duration.ofSeconds(10)).until(() -> phone.framesOf("receipt.updated", group).stream()
                        .anyMatch(f -> f.json().get("read_seq").asLong() == first));
                // a later message to everyone: once it arrived everywhere, anything caused before it would have too
                second = send(ownerToken, group, "second");
                await().atMost(Duration.ofSeconds(60)).until(() -> others.stream().allMatch(c -> c.seqs(group).contains(second)));
            }
            for (WsClient other : others) {
                // the setup's own membership event (the second page of members) may reach a session that opened
                // before the relay published it; what counts is that nothing came after the first message but the second
                List<String> types = other.frames().stream().map(WsClient.Frame::type).toList();
                assertThat(types.subList(types.indexOf("message.created"), types.size()))
                        .containsExactly("message.created", "message.created");
                assertThat(types.getFirst()).isEqualTo("session.ready");
            }

            // a newcomer (connected before being added) is subscribed by the add; a removed member gets the
            // removal and nothing after it; everyone else hears of both and gets the next message once
            String newcomer = "lg-new-" + run;
            WsClient newcomersPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(),
                    ChatClient.signedToken(newcomer, stack.jwtSecret(), Duration.ofHours(1))));
            others.add(newcomersPhone);
            WsClient removed = others.get(4);
            assertThat(api.post(ownerToken, "/api/v1/conversations/" + group + "/participants",
                    Map.of("user_ids", List.of(newcomer))).status()).isEqualTo(200);
            assertThat(api.call("DELETE", "/api/v1/conversations/" + group + "/participants/" + members.get(5),
                    ownerToken, null, Map.of()).status()).isEqualTo(204);
            long third = send(ownerToken, group, "third");
            await().atMost(Duration.ofSeconds(60)).until(() -> others.stream().filter(c -> c != removed)
                    .allMatch(c -> c.seqs(group).contains(third)));
            assertThat(newcomersPhone.frames()).extracting(WsClient.Frame::type)
                    .containsExactly("session.ready", "conversation.updated", "conversation.updated", "message.created");
            assertThat(newcomersPhone.seqs(group)).containsExactly(third);
            assertThat(removed.frames()).extracting(WsClient.Frame::type).containsExactly("session.ready",
                    "message.created", "message.created", "conversation.updated", "conversation.updated");
            for (WsClient other : others.subList(0, 50)) {
                if (other != removed) {
                    assertThat(other.seqs(group)).containsExactly(first, second, third);
                    assertThat(other.ofType("conversation.updated")).hasSize(2);
                }
            }
        } finally {
            others.forEach(WsClient::close);
        }
    }

    /** Last: kills a websocket node with SIGKILL, then starts it again for the tests that follow. */
    @Test
    @Order(100)
    void aNodeKilledHardLosesNothingItsClientsResyncAndItsUsersGoOffline() {
        String aliceToken = token("alice4");
        String bobToken = token("bob4");
        String carol = "carol4-" + run;
        String carolToken = token("carol4");
        UUID conversation = direct(aliceToken, "bob4-" + run);
        api.post(aliceToken, "/api/v1/conversations", Map.of("type", "direct", "participant_ids", List.of(carol)));

        // bob's phone and tablet on different nodes; carol (online only on the doomed node) watched by alice
        WsClient phone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken));
        WsClient tablet = onOtherNode(bobToken, phone.nodeId());
        String doomed = phone.nodeId();
        WsClient carolsPhone = onNode(carolToken, doomed);
        WsClient alice = onOtherNode(aliceToken, doomed);
        try {
            alice.send("{\"type\":\"presence.subscribe\",\"user_ids\":[\"" + carol + "\"]}");
            await().atMost(Duration.ofSeconds(10)).until(() -> alice.ofType("presence.updated").stream()
                    .anyMatch(f -> f.json().get("online").asBoolean()));

            List<Long> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sent.add(send(aliceToken, conversation, "before " + i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> phone.seqs(conversation).containsAll(sent));
            String doomedInstance = instanceOf(doomed);
            stack.kill(doomedInstance);
            long killedAt = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                sent.add(send(aliceToken, conversation, "after " + i));
            }
            phone.closed().exceptionally(e -> -1).orTimeout(60, TimeUnit.SECONDS).join();

            // the phone reconnects (to the surviving node) and syncs from the last seq it had
            TreeSet<Long> phoneHas = new TreeSet<>(phone.seqs(conversation));
            WsClient again = reconnect(bobToken);
            sync(again, conversation, phoneHas.last(), null, "resync");
            phoneHas.addAll(again.seqs(conversation));
            assertThat(phoneHas).containsExactlyElementsOf(sent);
            await().atMost(Duration.ofSeconds(10)).until(() -> tablet.seqs(conversation).containsAll(sent));
            assertThat(tablet.seqs(conversation)).containsExactlyElementsOf(sent); // never broken, never twice
            again.close();

            // carol's only node died: she is offline within 30 s
            await().atMost(Duration.ofSeconds(30)).until(() -> alice.ofType("presence.updated").stream()
                    .anyMatch(f -> !f.json().get("online").asBoolean()));
            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(30));
        } finally {
            phone.close();
            tablet.close();
            carolsPhone.close();
            alice.close();
            for (String instance : stack.webSocketNodes()) {
                if (!stack.processes().containsKey(instance)) {
                    stack.start(instance);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private String token(String name) {
        return ChatClient.signedToken(name + "-" + run, stack.jwtSecret(), Duration.ofHours(1));
    }

    private UUID direct(String token, String other) {
        Response r = api.post(token, "/api/v1/conversations", Map.of("type", "direct", "participant_ids", List.of(other)));
        return UUID.fromString(r.body().get("id").asString());
    }

    private long send(String token, UUID conversation, String content) {
        Response r = api.post(token, "/api/v1/messages", Map.of("conversation_id", conversation, "content", content));
        assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
        return r.body().get("seq").asLong();
    }

    private String messageId(String token, UUID conversation, long seq) {
        return api.get(token, "/api/v1/conversations/" + conversation + "/messages?after_seq=" + (seq - 1) + "&limit=1")
                .body().get("messages").get(0).get("id").asString();
    }

    private static String frame(String type, UUID conversation, long seq) {
        return "{\"type\":\"" + type + "\",\"conversation_id\":\"" + conversation + "\",\"seq\":" + seq + "}";
    }

    /** Sends a sync frame and returns its sync.done. */
    private static JsonNode sync(WsClient client, UUID conversation, long afterSeq, Long afterChange, String ref) {
        client.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":" + afterSeq
                + (afterChange == null ? "" : ",\"after_change\":" + afterChange) + ",\"ref\":\"" + ref + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> client.ofType("sync.done").stream()
                .anyMatch(f -> ref.equals(f.json().path("ref").asString(null))));
        return client.ofType("sync.done").stream().filter(f -> ref.equals(f.json().path("ref").asString(null)))
                .findFirst().orElseThrow().json();
    }

    private static WsClient ready(WsClient client) {
        await().atMost(Duration.ofSeconds(15)).until(() -> client.hasFrame("session.ready"));
        return client;
    }

    /** Connects until the gateway's round robin lands on a node other than {@code node}. */
    private WsClient onOtherNode(String token, String node) {
        for (int i = 0; i < 10; i++) {
            WsClient client = ready(WsClient.connect(stack.gatewayWebSocketUrl(), token));
            if (!client.nodeId().equals(node)) {
                return client;
            }
            client.close();
        }
        throw new AssertionError("never landed on another node than " + node);
    }

    private WsClient onNode(String token, String node) {
        for (int i = 0; i < 10; i++) {
            WsClient client = ready(WsClient.connect(stack.gatewayWebSocketUrl(), token));
            if (client.nodeId().equals(node)) {
                return client;
            }
            client.close();
        }
        throw new AssertionError("never landed on node " + node);
    }

    /** After a node died the balancer may still pick it (the upgrade is then closed with 1013): try again. */
    private WsClient reconnect(String token) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            try {
                WsClient client = WsClient.connect(stack.gatewayWebSocketUrl(), token);
                await().atMost(Duration.ofSeconds(5)).until(() -> client.hasFrame("session.ready") || client.closed().isDone());
                if (client.hasFrame("session.ready")) {
                    return client;
                }
                client.close();
            } catch (RuntimeException e) {
                // refused: the next attempt goes to the next node
            }
        }
        throw new AssertionError("could not reconnect within 30 s");
    }

    /** Which stack instance a node id belongs to: the one whose own /ws greets with that node id. */
    private String instanceOf(String nodeId) {
        for (String instance : stack.webSocketNodes()) {
            java.net.URI ws = java.net.URI.create(stack.serviceUrl(instance).toString().replace("http://", "ws://") + "/ws");
            try (WsClient probe = ready(WsClient.connect(ws, token("probe")))) {
                if (nodeId.equals(probe.nodeId())) {
                    return instance;
                }
            }
        }
        throw new AssertionError("no instance has node id " + nodeId);
    }

    private String operatorToken() {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject("operator-" + run).claim("scope", "chat:admin").issueTime(new Date())
                    .expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
            jwt.sign(new MACSigner(stack.jwtSecret().getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
