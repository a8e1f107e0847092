package dev.chat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.chat.shared.problem.WebSocketCloseLinger;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * A node's close reaches the client through the gateway with its code while the client is still sending: the
 * stand-in node closes with 1008 after the 11th frame (as websocket-service does for bad frames, lingering for
 * the answer), the client (the JDK's WebSocket) sends 200 frames of 8 KB as fast as it can. Seen in the end-to-end
 * suite: now and then the client saw its input end without any close frame.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(AuthTestConfiguration.class)
class WebSocketCloseRelayIT {

    /** Frames of 8 KB: the client is still sending well after the node's close. */
    static final String PADDING = "x".repeat(8 * 1024);

    static DisposableServer node;

    @BeforeAll
    static void startNode() {
        node = HttpServer.create().host("127.0.0.1").port(0)
                .doOnChannelInit((observer, channel, address) -> channel.pipeline()
                        .addAfter(NettyPipeline.HttpCodec, WebSocketCloseLinger.NAME, new WebSocketCloseLinger()))
                .handle((request, response) -> response.sendWebsocket((in, out) -> {
                    AtomicInteger frames = new AtomicInteger();
                    return in.receive().asString()
                            .concatMap(text -> frames.incrementAndGet() == 11
                                    ? out.sendClose(1008, "too many invalid frames")
                                    : Mono.empty())
                            .then();
                }))
                .bindNow();
    }

    @AfterAll
    static void stopNode() {
        node.disposeNow();
    }

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.websocket-service-uri", () -> "http://127.0.0.1:" + node.port());
    }

    @LocalServerPort
    int port;

    @Test
    void theNodesCloseCodeReachesAClientThatIsStillSending() {
        HttpClient http = HttpClient.newHttpClient();
        try {
            for (int attempt = 0; attempt < 40; attempt++) {
                CompletableFuture<Integer> closed = new CompletableFuture<>();
                WebSocket socket = http.newWebSocketBuilder()
                        .header("Authorization", "Bearer " + TestTokens.token("noisy" + attempt))
                        .buildAsync(URI.create("ws://localhost:" + port + "/ws"), new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                                closed.complete(statusCode);
                                return null;
                            }

                            @Override
                            public void onError(WebSocket webSocket, Throwable error) {
                                closed.completeExceptionally(error);
                            }
                        }).orTimeout(10, TimeUnit.SECONDS).join();
                for (int i = 0; i < 200 && !socket.isOutputClosed(); i++) {
                    try {
                        socket.sendText(i + " not json " + PADDING, true).get(5, TimeUnit.SECONDS);
                    } catch (Exception outputClosed) {
                        break;
                    }
                }
                assertThat(closed.orTimeout(10, TimeUnit.SECONDS).join()).as("attempt %d", attempt).isEqualTo(1008);
                socket.abort();
            }
        } finally {
            http.close();
        }
    }
}
