package dev.chat.gateway;

import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
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
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code /ws} through the gateway to a tiny Reactor Netty WebSocket echo server standing in for
 * websocket-service. The response timeout is set far below the idle pause in the conversation:
 * an open WebSocket must not be cut off by it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.cloud.gateway.server.webflux.httpclient.response-timeout=300ms")
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class WebSocketProxyIT {

    /** What the echo server saw of each upgrade request. */
    record Handshake(String uri, HttpHeaders headers) {
    }

    static final List<Handshake> handshakes = new CopyOnWriteArrayList<>();
    static DisposableServer echoServer;

    @BeforeAll
    static void startEchoServer() {
        echoServer = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> {
                    HttpHeaders headers = new HttpHeaders();
                    request.requestHeaders().forEach(h -> headers.add(h.getKey(), h.getValue()));
                    handshakes.add(new Handshake(request.uri(), headers));
                    // echoes text frames; "close" makes it close the way websocket-service does on token expiry
                    return response.sendWebsocket((in, out) -> in.receive().asString()
                            .concatMap(text -> "close".equals(text)
                                    ? out.sendClose(4401, "token expired")
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
        // an http:// target, as in application.yml: the gateway switches to ws:// for the upgrade
        registry.add("chat.gateway.websocket-service-uri", () -> "http://127.0.0.1:" + echoServer.port());
    }

    @LocalServerPort
    int port;

    @Autowired
    WebTestClient client;

    @BeforeEach
    void clear() {
        handshakes.clear();
    }

    @Test
    void aTokenInTheQueryOpensAProxiedWebSocketThatOutlivesTheResponseTimeout() {
        String token = TestTokens.token("alice");
        HttpHeaders headers = new HttpHeaders();
        headers.add("X-User-Id", "mallory");

        List<String> received = converse(URI.create("ws://localhost:" + port + "/ws?access_token=" + token), headers);

        assertThat(received).containsExactly("echo:one", "echo:two");
        assertThat(handshakes).singleElement().satisfies(handshake -> {
            // the token left the URL at the gateway's door (QueryTokenFilter) and reaches the node as a header
            assertThat(handshake.uri()).isEqualTo("/ws");
            assertThat(handshake.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + token);
            assertThat(handshake.headers().containsHeader("X-User-Id")).isFalse();
            assertThat(handshake.headers().getFirst(HttpHeaders.UPGRADE)).isEqualToIgnoringCase("websocket");
        });
    }

    @Test
    void otherQueryParametersOfTheUpgradeStayWhenItsTokenMovesToAHeader() {
        String token = TestTokens.token("carol");

        List<String> received = converse(URI.create("ws://localhost:" + port + "/ws?client=ios%2F17&access_token=" + token
                + "&v=2"), new HttpHeaders());

        assertThat(received).containsExactly("echo:one", "echo:two");
        assertThat(handshakes).singleElement().satisfies(handshake -> {
            assertThat(handshake.uri()).isEqualTo("/ws?client=ios%2F17&v=2");
            assertThat(handshake.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + token);
        });
    }

    @Test
    void aTokenInTheAuthorizationHeaderIsForwarded() {
        String token = TestTokens.token("bob");
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(token);
        headers.add("X-Forwarded-User", "mallory");

        List<String> received = converse(URI.create("ws://localhost:" + port + "/ws"), headers);

        assertThat(received).containsExactly("echo:one", "echo:two");
        assertThat(handshakes).singleElement().satisfies(handshake -> {
            assertThat(handshake.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + token);
            assertThat(handshake.headers().containsHeader("X-Forwarded-User")).isFalse();
        });
    }

    @Test
    void anUpgradeWithoutAValidTokenIs401BeforeAnyWebSocketExists() {
        expectProblem(client.get().uri("/ws")
                .header(HttpHeaders.UPGRADE, "websocket")
                .header(HttpHeaders.CONNECTION, "Upgrade")
                .header("Sec-WebSocket-Version", "13")
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        expectProblem(client.get().uri("/ws?access_token={t}", TestTokens.expired("alice"))
                .header(HttpHeaders.UPGRADE, "websocket")
                .header(HttpHeaders.CONNECTION, "Upgrade")
                .header("Sec-WebSocket-Version", "13")
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");

        assertThatThrownBy(() -> converse(URI.create("ws://localhost:" + port + "/ws?access_token="
                + TestTokens.wrongSignature("alice")), new HttpHeaders()))
                .hasMessageContaining("401");
        assertThat(handshakes).isEmpty();
    }

    @Test
    void aCloseCodeOfTheServiceReachesTheClient() {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(TestTokens.token("alice"));
        AtomicReference<CloseStatus> closed = new AtomicReference<>();

        new ReactorNettyWebSocketClient().execute(URI.create("ws://localhost:" + port + "/ws"), headers, session ->
                session.send(Mono.just(session.textMessage("close")))
                        .then(session.closeStatus())
                        .doOnNext(closed::set)
                        .then())
                .block(Duration.ofSeconds(10));

        assertThat(closed.get()).isNotNull();
        assertThat(closed.get().getCode()).isEqualTo(4401);
    }

    /** Sends "one", stays idle longer than the gateway's response timeout, sends "two"; returns the answers. */
    private static List<String> converse(URI uri, HttpHeaders headers) {
        List<String> received = new CopyOnWriteArrayList<>();
        new ReactorNettyWebSocketClient().execute(uri, headers, session -> {
            Flux<WebSocketMessage> out = Flux.concat(
                    Mono.just("one"),
                    Mono.delay(Duration.ofMillis(800)).thenReturn("two"))
                    .map(session::textMessage);
            Mono<Void> in = session.receive()
                    .map(WebSocketMessage::getPayloadAsText)
                    .doOnNext(received::add)
                    .take(2)
                    .then();
            return Mono.when(session.send(out), in);
        }).block(Duration.ofSeconds(10));
        return received;
    }
}
