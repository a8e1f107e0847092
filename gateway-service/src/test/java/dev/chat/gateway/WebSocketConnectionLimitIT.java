package dev.chat.gateway;

import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The gateway's limit of proxied WebSocket connections, against a Reactor Netty echo server standing in
 * for websocket-service: past the limit an upgrade is 503 problem+json with a jittered Retry-After (and
 * never reaches the service), the connections held keep working, and every way a connection ends gives
 * its slot back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.gateway.websocket.max-connections=2",
        "chat.gateway.websocket.refused-retry-after.base=2s",
        "chat.gateway.websocket.refused-retry-after.spread=3s",
        "chat.gateway.rate-limits.rules.websocket-connect.capacity=1000" })
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class WebSocketConnectionLimitIT {

    static final Duration TIMEOUT = Duration.ofSeconds(15);
    static final AtomicInteger upstreamHandshakes = new AtomicInteger();
    static DisposableServer echoServer;

    @BeforeAll
    static void startEchoServer() {
        echoServer = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> {
                    upstreamHandshakes.incrementAndGet();
                    if (request.uri().contains("full=1")) {
                        // a websocket node at its own limit
                        return response.status(503).header(HttpHeaders.RETRY_AFTER, "3").send();
                    }
                    // echoes text frames; "close" makes it close the connection from its side
                    return response.sendWebsocket((in, out) -> in.receive().asString()
                            .concatMap(text -> "close".equals(text)
                                    ? out.sendClose(1000, "bye")
                                    : out.sendString(Mono.just("echo:" + text)))
                            .then());
                })
                .bindNow();
    }

    @AfterAll
    static void stopEchoServer() {
        echoServer.disposeNow();
    }

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.websocket-service-uri", () -> "http://127.0.0.1:" + echoServer.port());
    }

    @LocalServerPort
    int port;

    @Autowired
    WebTestClient client;

    @Autowired
    MeterRegistry meters;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Client> opened = new ArrayList<>();

    @BeforeEach
    void noConnectionsHeld() {
        await().atMost(TIMEOUT).until(() -> held() == 0);
    }

    @AfterEach
    void closeClients() {
        opened.forEach(Client::abort);
        http.close();
    }

    @Test
    void pastTheLimitAnUpgradeIs503WithAJitteredRetryAfterAndTheHeldConnectionsKeepWorking() {
        Client alice = open("alice");
        Client bob = open("bob");
        // the gateway answers 101 before it connects upstream: an echo shows both are through
        assertThat(alice.echo("a")).isEqualTo("echo:a");
        assertThat(bob.echo("b")).isEqualTo("echo:b");
        assertThat(held()).isEqualTo(2);
        assertThat(meters.get("chat.gateway.websocket.connections.limit").gauge().value()).isEqualTo(2);
        double refusedBefore = meters.get("chat.gateway.websocket.connections.refused").counter().count();
        int handshakesBefore = upstreamHandshakes.get();

        WebTestClient.ResponseSpec refused = upgrade("carol");

        refused.expectHeader().value(HttpHeaders.RETRY_AFTER,
                retryAfter -> assertThat(Long.parseLong(retryAfter)).isBetween(2L, 5L));
        expectProblem(refused, HttpStatus.SERVICE_UNAVAILABLE, "too_many_connections")
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("maximum of 2"));
        assertThat(meters.get("chat.gateway.websocket.connections.refused").counter().count())
                .isEqualTo(refusedBefore + 1);
        assertThat(upstreamHandshakes.get()).isEqualTo(handshakesBefore);

        // the held connections still work, and REST is not limited by WebSocket connections
        assertThat(alice.echo("hi")).isEqualTo("echo:hi");
        assertThat(bob.echo("ho")).isEqualTo("echo:ho");
        client.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();

        // one goes, a newcomer gets in
        alice.close();
        await().atMost(TIMEOUT).until(() -> held() == 1);
        Client carol = open("carol");
        assertThat(carol.echo("in")).isEqualTo("echo:in");
        assertThat(held()).isEqualTo(2);
    }

    @Test
    void everyWayAConnectionEndsGivesItsSlotBack() throws IOException {
        // the upstream closes
        Client upstreamCloses = open("alice");
        upstreamCloses.socket.sendText("close", true);
        assertThat(upstreamCloses.closeCode.orTimeout(15, TimeUnit.SECONDS).join()).isEqualTo(1000);
        await().atMost(TIMEOUT).until(() -> held() == 0);

        // the client drops its TCP connection without a close frame
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            assertThat(rawUpgrade(socket, TestTokens.token("bob"))).startsWith("HTTP/1.1 101");
            await().atMost(TIMEOUT).until(() -> held() == 1);
        }
        await().atMost(TIMEOUT).until(() -> held() == 0);

        // the upstream node refuses the upgrade (503): the client gets 1013, try again later
        Client refusedUpstream = open("carol", "?full=1");
        assertThat(refusedUpstream.closeCode.orTimeout(15, TimeUnit.SECONDS).join()).isEqualTo(1013);
        await().atMost(TIMEOUT).until(() -> held() == 0);

        // and the full limit is available again
        Client one = open("dave");
        Client two = open("erin");
        assertThat(one.echo("1")).isEqualTo("echo:1");
        assertThat(two.echo("2")).isEqualTo("echo:2");
    }

    private double held() {
        return meters.get("chat.gateway.websocket.connections").gauge().value();
    }

    private WebTestClient.ResponseSpec upgrade(String user) {
        return client.get().uri("/ws")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token(user))
                .header(HttpHeaders.UPGRADE, "websocket")
                .header(HttpHeaders.CONNECTION, "Upgrade")
                .header("Sec-WebSocket-Version", "13")
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .exchange();
    }

    private Client open(String user) {
        return open(user, "");
    }

    private Client open(String user, String query) {
        Client listener = new Client();
        listener.socket = http.newWebSocketBuilder()
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token(user))
                .buildAsync(URI.create("ws://localhost:" + port + "/ws" + query), listener)
                .orTimeout(15, TimeUnit.SECONDS)
                .join();
        opened.add(listener);
        return listener;
    }

    /** Writes an upgrade request and returns the answer's head. */
    private String rawUpgrade(Socket socket, String token) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: localhost:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b == -1) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** A JDK WebSocket client that records what it receives. */
    static final class Client implements WebSocket.Listener {

        final List<String> texts = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }

        String echo(String text) {
            int before = texts.size();
            socket.sendText(text, true).orTimeout(15, TimeUnit.SECONDS).join();
            await().atMost(TIMEOUT).until(() -> texts.size() > before);
            return texts.get(before);
        }

        void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(15, TimeUnit.SECONDS).join();
            closeCode.orTimeout(15, TimeUnit.SECONDS).join();
        }

        void abort() {
            socket.abort();
        }
    }
}
