package dev.chat.websocket.support;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import com.github.tomakehurst.wiremock.WireMockServer;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.TestTokens;

/**
 * The running service on a random port, on the shared test broker, verifying {@link TestTokens}, with
 * message-service faked ({@link MessageServiceFake}). Waits until the node is ready (topics assigned,
 * revocations read) before each test (message-service gets 6 s: a cold first call on a loaded
 * two-core machine can take seconds); closes every client a test opened after it and resets the fake's
 * stubs. The outbound buffer is small so that a slow client overflows quickly; the per-user connect rate is
 * raised, as tests reconnect one user in quick succession ({@code ConnectRateLimitIT} tests the limit).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"chat.ws.outbound-buffer=16", "chat.ws.close-timeout=10s", "chat.ws.message-service.timeout=6s",
                "chat.ws.connect-rate.capacity=1000", "chat.ws.connect-rate.refill-per-second=100"})
@Import({KafkaTestConfiguration.class, AuthTestConfiguration.class, MessageServiceFake.Configuration.class})
public abstract class WebSocketTestBase {

    static {
        // conditions here turn true within milliseconds: poll often, from the start
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        Awaitility.setDefaultPollDelay(Duration.ZERO);
    }

    private static HttpClient http;

    protected static ChatEvents events;

    @LocalServerPort
    protected int port;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startClients() {
        events = new ChatEvents();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stopClients() {
        events.close();
        http.close();
    }

    /**
     * Spring 7 pauses cached contexts that are not in use (their lifecycle beans stop) and restarts
     * them when a test uses them again: the chat.events consumer then records fresh offsets, so
     * readiness is checked before every test.
     */
    @BeforeEach
    void awaitReadiness() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"UP\"");
        });
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
        opened.clear();
        MessageServiceFake.server().resetAll();
    }

    /** The fake message-service. */
    protected static WireMockServer messageService() {
        return MessageServiceFake.server();
    }

    /** A connected device of {@code user}, after session.ready. */
    protected WsClient device(String user) {
        return track(WsClient.ready(port, TestTokens.token(user)));
    }

    protected WsClient connect(String token) {
        return track(WsClient.connect(port, token));
    }

    protected WsClient connect(String token, Map<String, String> headers) {
        return track(WsClient.connect(port, token, headers));
    }

    protected RawWebSocket raw(String pathAndQuery, Map<String, String> headers) {
        return track(RawWebSocket.open(port, pathAndQuery, headers));
    }

    protected <T extends AutoCloseable> T track(T closeable) {
        opened.add(closeable);
        return closeable;
    }
}
