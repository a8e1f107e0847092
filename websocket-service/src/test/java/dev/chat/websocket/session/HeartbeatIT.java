package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** The server pings every heartbeat; a connection silent for two heartbeats is closed. */
@TestPropertySource(properties = "chat.ws.heartbeat=1s")
class HeartbeatIT extends WebSocketTestBase {

    @Autowired
    SessionRegistry registry;

    @Test
    void liveClientIsPingedAndStaysConnected() {
        WsClient client = device(user("awake"));

        assertThat(client.frames().getFirst().path("heartbeat_s").asInt()).isEqualTo(1);
        // the JDK client answers every PING with a PONG; after 3 heartbeats it is still there
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pings() >= 3);
        client.send("{\"type\":\"ping\",\"ref\":\"still-open\"}");
        assertThat(client.awaitFrame("pong").path("ref").asString()).isEqualTo("still-open");
        assertThat(client.isClosed()).isFalse();
    }

    @Test
    void deadConnectionIsClosedByTheServer() {
        String user = user("dead");
        RawWebSocket dead = track(RawWebSocket.open(port, "/ws", Map.of("Authorization", "Bearer " + TestTokens.token(user))));
        assertThat(dead.answer().status()).isEqualTo(101);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).size() == 1);

        // it never answers the pings: after two silent heartbeats the server closes
        assertThat(dead.readUntilClose()).isEqualTo(1001);
        assertThat(dead.readsEndOfStream()).isTrue();
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(user).isEmpty());
    }
}
