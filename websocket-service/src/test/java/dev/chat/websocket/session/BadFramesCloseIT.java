package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * The 1008 path, 50 times in a row per kind of client, each on a fresh connection: a burst of 50
 * malformed frames always ends with the allowance + 1 {@code error} frames, then a 1008 close frame,
 * whatever the client does right after its burst (waits, sends its own close, half-closes TCP).
 * Before the close handshake was the node's own, a client close or a TCP half-close arriving while
 * the error frames were still queued pre-empted them: 1000 instead of 1008, or no close frame and no
 * error frames at all (1006).
 */
class BadFramesCloseIT extends WebSocketTestBase {

    private static final int RUNS = 50;
    private static final int BURST = 50;

    @Autowired
    WebSocketProperties properties;

    @Test
    void clientThatWaitsGetsTheErrorsThen1008AndTheServerEndsTheConnectionAfterItsAnswer() {
        for (int run = 0; run < RUNS; run++) {
            try (RawWebSocket ws = burst(client -> { })) {
                assertErrorsThen1008(ws.readToEnd(), run);
                ws.sendClose(1008);
                assertThat(ws.readsEndOfStream()).as("run %d: server ends the connection", run).isTrue();
            }
        }
    }

    @Test
    void clientThatClosesRightAfterItsBurstStillGetsTheErrorsThen1008() {
        for (int run = 0; run < RUNS; run++) {
            try (RawWebSocket ws = burst(client -> client.sendClose(1000))) {
                assertErrorsThen1008(ws.readToEnd(), run);
            }
        }
    }

    @Test
    void clientThatHalfClosesRightAfterItsBurstStillGetsTheErrorsThen1008() {
        for (int run = 0; run < RUNS; run++) {
            try (RawWebSocket ws = burst(RawWebSocket::shutdownOutput)) {
                assertErrorsThen1008(ws.readToEnd(), run);
                assertThat(ws.readsEndOfStream()).as("run %d: server ends the connection", run).isTrue();
            }
        }
    }

    @Test
    void realClientGetsTheErrorsThen1008() {
        for (int run = 0; run < RUNS; run++) {
            try (WsClient client = WsClient.ready(port, TestTokens.token(user("spammer")))) {
                boolean open = true;
                for (int i = 0; i < BURST && open; i++) {
                    String frame = "{not json " + i;
                    open = trySend(() -> client.send(frame));
                }
                assertThat(client.awaitClose()).as("run %d", run).isEqualTo(1008);
                assertThat(client.frames("error")).as("run %d", run)
                        .hasSize(properties.badFrameAllowance() + 1)
                        .allSatisfy(error -> assertThat(error.path("code").asString()).isEqualTo("malformed_frame"));
            }
        }
    }

    /** A fresh connection that has sent 50 malformed frames as fast as it can, then {@code after}. */
    private RawWebSocket burst(Consumer<RawWebSocket> after) {
        RawWebSocket ws = RawWebSocket.open(port, TestTokens.token(user("spammer")));
        assertThat(ws.answer().status()).isEqualTo(101);
        boolean open = true;
        for (int i = 0; i < BURST && open; i++) {
            String frame = "{not json " + i;
            // the server may already have closed: a real client's later writes fail too
            open = trySend(() -> ws.sendText(frame));
        }
        if (open) {
            trySend(() -> after.accept(ws));
        }
        return ws;
    }

    private void assertErrorsThen1008(RawWebSocket.Ending ending, int run) {
        assertThat(ending.failure()).as("run %d: connection failure", run).isNull();
        assertThat(ending.closeCode()).as("run %d: close code", run).isEqualTo(1008);
        List<JsonNode> frames = ending.texts().stream().map(text -> ChatJson.mapper().readTree(text)).toList();
        assertThat(frames.getFirst().path("type").asString()).isEqualTo("session.ready");
        assertThat(frames.subList(1, frames.size())).as("run %d: error frames", run)
                .hasSize(properties.badFrameAllowance() + 1)
                .allSatisfy(error -> {
                    assertThat(error.path("type").asString()).isEqualTo("error");
                    assertThat(error.path("code").asString()).isEqualTo("malformed_frame");
                });
    }

    private static boolean trySend(Runnable send) {
        try {
            send.run();
            return true;
        } catch (UncheckedIOException | IllegalStateException | CompletionException e) {
            return false;
        }
    }
}
