package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * With DEBUG logging for the whole web stack of the gateway (Spring web, http, security, Spring Cloud Gateway,
 * Reactor Netty server and client, our code), REST requests with a {@code Bearer} token (proxied, refused,
 * not routed) and WebSocket upgrades with the token in {@code ?access_token=} (proxied, refused) leave no token,
 * and no token's signature, in the logs: the gateway forwards the upgrade's URL, token included, and nothing
 * on the way may print it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "logging.level.org.springframework.web=DEBUG",
        "logging.level.org.springframework.http=DEBUG",
        "logging.level.org.springframework.security=DEBUG",
        "logging.level.org.springframework.cloud.gateway=DEBUG",
        "logging.level.reactor.netty=DEBUG",
        "logging.level.dev.chat=DEBUG" })
@Import(AuthTestConfiguration.class)
@ExtendWith(OutputCaptureExtension.class)
class TokensNeverLoggedIT {

    private static final List<String> DEBUG_LOGGERS = List.of("org.springframework.web", "org.springframework.http",
            "org.springframework.security", "org.springframework.cloud.gateway", "reactor.netty", "dev.chat");

    @RegisterExtension
    static WireMockExtension messageService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    static final List<String> upgrades = new CopyOnWriteArrayList<>();
    static DisposableServer webSocketNode;

    @BeforeAll
    static void startWebSocketNode() {
        webSocketNode = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> {
                    upgrades.add(request.uri());
                    // says hello and stays open until the client goes
                    return response.sendWebsocket((in, out) -> out.sendString(Mono.just("hello")).then()
                            .then(in.receive().then()));
                })
                .bindNow();
    }

    @AfterAll
    static void stop() {
        webSocketNode.disposeNow();
        LoggingSystem logging = LoggingSystem.get(TokensNeverLoggedIT.class.getClassLoader());
        DEBUG_LOGGERS.forEach(name -> logging.setLogLevel(name, LogLevel.INFO));
    }

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", messageService::baseUrl);
        registry.add("chat.gateway.notification-service-uri", messageService::baseUrl);
        registry.add("chat.gateway.websocket-service-uri", () -> "http://127.0.0.1:" + webSocketNode.port());
    }

    @LocalServerPort
    int port;

    @Test
    void noTokenAppearsInTheLogs(CapturedOutput output) throws Exception {
        messageService.stubFor(get(anyUrl()).willReturn(okJson("{\"items\":[]}")));
        String token = TestTokens.token("alice");
        String expired = TestTokens.expired("alice");
        String forged = TestTokens.wrongSignature("alice");
        String socket = TestTokens.token("alice", "In the socket URL");
        String refusedSocket = TestTokens.expired("bob");

        // the JDK's client on the test's side: Reactor Netty's, at DEBUG in this JVM, would log the test's own URLs
        List<String> received = new CopyOnWriteArrayList<>();
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThat(status(http, "/api/v1/conversations", token)).isEqualTo(200);
            assertThat(status(http, "/api/v1/conversations", expired)).isEqualTo(401);
            assertThat(status(http, "/api/v1/conversations", forged)).isEqualTo(401);
            assertThat(status(http, "/api/v1/nope?access_token=" + token, null)).isEqualTo(401);
            assertThat(status(http, "/ws?access_token=" + refusedSocket, null)).isEqualTo(401);

            CompletableFuture<String> hello = new CompletableFuture<>();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws?access_token=" + socket),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            hello.complete(data.toString());
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            received.add(hello.get(10, TimeUnit.SECONDS));
            ws.abort();
        }

        // the socket was proxied (its token as a header now: QueryTokenFilter), and DEBUG was on
        assertThat(received).containsExactly("hello");
        assertThat(upgrades).containsExactly("/ws");
        assertThat(output.getAll()).contains("DEBUG").contains("/api/v1/conversations");
        for (String t : List.of(token, expired, forged, socket, refusedSocket)) {
            String signature = t.substring(t.lastIndexOf('.') + 1);
            assertThat(output.getAll()).as("a token in the logs").doesNotContain(t).doesNotContain(signature);
        }
    }

    private int status(HttpClient http, String path, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
