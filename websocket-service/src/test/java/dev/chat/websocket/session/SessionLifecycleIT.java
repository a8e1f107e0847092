package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.messageWithContent;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.websocket.WebsocketInbound;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.problem.EdgeProblemHandler;
import dev.chat.shared.problem.WebSocketCloseLinger;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** How sessions start, are counted and end: token expiry, slow clients, node shutdown. */
class SessionLifecycleIT extends WebSocketTestBase {

    @Autowired
    SessionRegistry registry;

    @Autowired
    SessionShutdown shutdown;

    @Autowired
    MeterRegistry meters;

    @Test
    void sessionReadyNamesTheSessionUserAndHeartbeat() {
        String user = user("alice");
        WsClient phone = device(user);
        WsClient laptop = device(user);

        JsonNode first = phone.frames().getFirst();
        JsonNode second = laptop.frames().getFirst();
        assertThat(first.path("type").asString()).isEqualTo("session.ready");
        assertThat(first.path("user_id").asString()).isEqualTo(user);
        assertThat(first.path("heartbeat_s").asInt()).isEqualTo(25);
        assertThat(first.path("session_id").asString()).isNotBlank()
                .isNotEqualTo(second.path("session_id").asString());
        assertThat(first.path("node_id").asString()).startsWith("ws-").isEqualTo(second.path("node_id").asString());
    }

    @Test
    void anOpenSessionNoLongerHoldsItsUpgradeRequestsOrResponsesHeadersOrTheEdgeHandler() {
        String user = user("headers");
        WsClient phone = connect(TestTokens.token(user), Map.of("X-Probe", "kept-for-the-connection?"));
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).size() == 1);

        ChannelOperations<?, ?> connection = ChannelOperations.get(registry.sessionsOf(user).getFirst().outlet().channel());
        assertThat(((WebsocketInbound) connection).headers().isEmpty()).isTrue();
        assertThat(((HttpServerResponse) connection).responseHeaders().isEmpty()).isTrue();
        // nor the handler that gives HTTP errors a problem+json body (the close linger behind it stays)
        assertThat(connection.channel().pipeline().names()).doesNotContain(EdgeProblemHandler.NAME)
                .contains(WebSocketCloseLinger.NAME);
        // and the session works on without them
        assertThat(phone.awaitFrame("session.ready").path("user_id").asString()).isEqualTo(user);
        phone.send("{\"type\":\"ping\"}");
        assertThat(phone.awaitFrame("pong")).isNotNull();
    }

    @Test
    void aSessionIsNotTimedAsAnHttpRequest() {
        String user = user("timed");
        WsClient phone = device(user);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).size() == 1);

        // plain requests are observed (the readiness check before each test is one)...
        assertThat(meters.find("http.server.requests").timers()).isNotEmpty();
        // ...a session, which lasts as long as its socket, is not timed as one
        phone.close();
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).isEmpty());
        assertThat(meters.find("http.server.requests").tag("uri", "/ws").timers()).isEmpty();
    }

    @Test
    void reactorNettyTakesFewFramesAheadOfASessionsSocket() throws Exception {
        device(user("prefetch")).awaitFrame("session.ready");

        // read by Reactor Netty once, when it first writes a stream to a connection (the session's frames)
        java.lang.reflect.Field maxSize = Class.forName("reactor.netty.channel.MonoSend").getDeclaredField("MAX_SIZE");
        maxSize.setAccessible(true);
        assertThat(maxSize.getInt(null)).isEqualTo(16);
    }

    @Test
    void sessionsAreRegisteredByUserAndCounted() {
        String user = user("counted");
        WsClient phone = device(user);
        device(user);

        assertThat(registry.sessionsOf(user)).hasSize(2);
        assertThat(meters.get("chat.ws.sessions").gauge().value()).isGreaterThanOrEqualTo(2);

        phone.close();
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).size() == 1);
    }

    @Test
    void expiredTokenClosesTheSessionWith4401() {
        String user = user("short-lived");
        WsClient client = connect(TestTokens.token(user, "Short", Duration.ofSeconds(2), TestTokens.SECRET));

        client.awaitFrame("session.ready");

        assertThat(client.awaitClose()).isEqualTo(4401);
    }

    @Test
    void clientThatCannotKeepUpIsClosedWith1013() {
        String user = user("slow");
        RawWebSocket slow = track(RawWebSocket.open(port, "/ws",
                Map.of("Authorization", "Bearer " + TestTokens.token(user)), 4096));
        assertThat(slow.answer().status()).isEqualTo(101);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).size() == 1);
        ChatSession session = registry.sessionsOf(user).getFirst();
        UUID conversation = UUID.randomUUID();
        AtomicLong seq = new AtomicLong();
        String big = "x".repeat(48 * 1024);

        // the client reads nothing: socket buffers fill, then the bounded outbound queue overflows
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<ChatEvent> batch = IntStream.range(0, 20)
                    .mapToObj(i -> messageWithContent(conversation, seq.incrementAndGet(), "bob", big, user))
                    .toList();
            events.sendAll(batch);
            return session.isClosing();
        });
        assertThat(session.closeStatus().getCode()).isEqualTo(1013);

        // when it finally reads, what was already on its way comes first, then the close frame
        assertThat(slow.readUntilClose()).isEqualTo(1013);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).isEmpty());
    }

    @Test
    void shutdownClosesSessionsWith1012AndRefusesNewOnes() {
        String alice = user("alice");
        String bob = user("bob");
        WsClient aliceDevice = device(alice);
        WsClient bobDevice = device(bob);
        AtomicBoolean stopped = new AtomicBoolean();
        try {
            shutdown.stop(() -> stopped.set(true));

            assertThat(aliceDevice.awaitClose()).isEqualTo(1012);
            assertThat(bobDevice.awaitClose()).isEqualTo(1012);
            await().atMost(WsClient.TIMEOUT).untilTrue(stopped);

            WsClient late = connect(TestTokens.token(alice));
            late.awaitFrame("session.ready");
            assertThat(late.awaitClose()).isEqualTo(1012);
        } finally {
            shutdown.start();
        }
        device(alice).send("{\"type\":\"ping\",\"ref\":\"back\"}");
    }
}
