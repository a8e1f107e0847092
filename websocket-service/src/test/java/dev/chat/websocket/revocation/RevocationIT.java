package dev.chat.websocket.revocation;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.MeterRegistry;

import dev.chat.shared.event.TokenRevocation;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.Tokens;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** An operator's revocation (chat.revocations) closes the user's older sessions with 4401 and refuses their upgrades. */
class RevocationIT extends WebSocketTestBase {

    @Autowired
    RevocationStore revocations;

    @Autowired
    MeterRegistry meters;

    @Test
    void revocationClosesOlderSessionsWith4401WithinSecondsAndKeepsNewerOnes() {
        String alice = user("alice");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        WsClient old = connect(Tokens.issuedAt(alice, now.minus(Duration.ofMinutes(10))));
        WsClient fresh = connect(Tokens.issuedAt(alice, now));
        WsClient withoutIat = connect(Tokens.issuedAt(alice, null));
        WsClient bob = connect(Tokens.issuedAt(user("bob"), now.minus(Duration.ofMinutes(10))));
        old.awaitFrame("session.ready");
        fresh.awaitFrame("session.ready");
        withoutIat.awaitFrame("session.ready");
        bob.awaitFrame("session.ready");
        double closesBefore = closes4401();

        long start = System.nanoTime();
        events.publish(Topics.CHAT_REVOCATIONS, alice, new TokenRevocation(alice, now.minusSeconds(60), Instant.now()));

        assertThat(old.awaitClose()).isEqualTo(4401);
        assertThat(withoutIat.awaitClose()).isEqualTo(4401);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // issued after the revocation's instant, and another user: still open
        fresh.send("{\"type\":\"ping\",\"ref\":\"fresh\"}");
        bob.send("{\"type\":\"ping\",\"ref\":\"bob\"}");
        assertThat(fresh.awaitFrame("pong").path("ref").asString()).isEqualTo("fresh");
        assertThat(bob.awaitFrame("pong").path("ref").asString()).isEqualTo("bob");
        assertThat(fresh.isClosed()).isFalse();
        await().atMost(WsClient.TIMEOUT).until(() -> closes4401() >= closesBefore + 2);
    }

    @Test
    void revokedTokensAreRefusedAtTheUpgradeWith401AndNewerOnesAccepted() {
        String alice = user("alice");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        events.publish(Topics.CHAT_REVOCATIONS, alice, new TokenRevocation(alice, now, Instant.now()));
        await().atMost(WsClient.TIMEOUT).until(() -> revocations.isRevoked(alice, now.minusSeconds(1)));

        for (String token : new String[] {Tokens.issuedAt(alice, now.minusSeconds(30)), Tokens.issuedAt(alice, null)}) {
            RawWebSocket.HttpAnswer answer = raw("/ws", Map.of("Authorization", "Bearer " + token)).answer();
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.headers().get("content-type")).startsWith("application/problem+json");
            assertThat(answer.headers()).doesNotContainKey("sec-websocket-accept");
            assertThat(ChatJson.mapper().readTree(answer.body()).path("code").asString()).isEqualTo("unauthorized");
        }
        WsClient newer = connect(Tokens.issuedAt(alice, now.plusSeconds(1)));
        assertThat(newer.awaitFrame("session.ready").path("user_id").asString()).isEqualTo(alice);
    }

    @Test
    void aTombstoneWithdrawsTheRevocation() {
        String alice = user("alice");
        Instant now = Instant.now();
        events.publish(Topics.CHAT_REVOCATIONS, alice, new TokenRevocation(alice, now, now));
        await().atMost(WsClient.TIMEOUT).until(() -> revocations.isRevoked(alice, now.minusSeconds(5)));

        events.publish(Topics.CHAT_REVOCATIONS, alice, null);

        await().atMost(WsClient.TIMEOUT).until(() -> !revocations.isRevoked(alice, now.minusSeconds(5)));
        assertThat(connect(Tokens.issuedAt(alice, now.minusSeconds(5))).awaitFrame("session.ready")).isNotNull();
    }

    private double closes4401() {
        var counter = meters.find("chat.ws.closes").tag("code", "4401").counter();
        return counter == null ? 0 : counter.count();
    }
}
