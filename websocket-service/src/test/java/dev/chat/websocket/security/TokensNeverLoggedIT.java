package dev.chat.websocket.security;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.ChatEvents;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * With DEBUG logging for the web stack (Spring web and security, Reactor Netty server and client, our code), a
 * REST request with {@code Authorization: Bearer}, upgrades with the token in the header and in
 * {@code ?access_token=} (accepted and refused), and a sync (the node calls message-service with the session's
 * token) leave no token, and no token's signature, anywhere in the log output.
 */
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "logging.level.org.springframework.web=DEBUG",
        "logging.level.org.springframework.http=DEBUG",
        "logging.level.org.springframework.security=DEBUG",
        "logging.level.reactor.netty=DEBUG",
        "logging.level.dev.chat=DEBUG" })
class TokensNeverLoggedIT extends WebSocketTestBase {

    private static final List<String> DEBUG_LOGGERS = List.of("org.springframework.web", "org.springframework.http",
            "org.springframework.security", "reactor.netty", "dev.chat");

    /** The levels stay set in this JVM after the context: later test classes get their usual output back. */
    @AfterAll
    static void resetLevels() {
        LoggingSystem logging = LoggingSystem.get(TokensNeverLoggedIT.class.getClassLoader());
        DEBUG_LOGGERS.forEach(name -> logging.setLogLevel(name, LogLevel.INFO));
    }

    @Test
    void noTokenAppearsInTheLogs(CapturedOutput output) throws Exception {
        String user = ChatEvents.user("careful");
        String restToken = TestTokens.token(user);
        String headerToken = TestTokens.token(user, "Header");
        String queryToken = TestTokens.token(user, "Query");
        String refusedQueryToken = TestTokens.expired(user);
        String refusedHeaderToken = TestTokens.wrongSignature(user);
        UUID conversation = UUID.randomUUID();
        messageService().stubFor(get(urlPathMatching("/api/v1/conversations/.*/sync"))
                .willReturn(aResponse().withStatus(503)));

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/actuator/metrics")).header("Authorization", "Bearer " + restToken).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
        }
        WsClient byHeader = track(WsClient.ready(port, headerToken));
        WsClient byQuery = track(WsClient.connectWithQueryToken(port, queryToken));
        String sessionId = byQuery.awaitFrame("session.ready").path("session_id").asString();
        byHeader.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":0}");
        byQuery.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":0}");
        byHeader.awaitFrame("error");
        byQuery.awaitFrame("error");
        messageService().verify(2, getRequestedFor(urlPathMatching("/api/v1/conversations/.*/sync")));
        assertThat(raw("/ws?access_token=" + refusedQueryToken, Map.of()).answer().status()).isEqualTo(401);
        assertThat(raw("/ws", Map.of("Authorization", "Bearer " + refusedHeaderToken)).answer().status()).isEqualTo(401);
        // a URI that cannot be parsed: refused at the edge, whose DEBUG line would print it whole
        assertThat(raw("/ws/%zz?access_token=" + queryToken, Map.of()).answer().status()).isEqualTo(400);
        byQuery.close();
        byHeader.close();

        // DEBUG was on and captured: the node logged the session (by id, never by token)
        await().atMost(WsClient.TIMEOUT).until(() -> output.getAll().contains("Session " + sessionId + " of user " + user + " closed"));
        assertThat(output.getAll()).contains("DEBUG");
        for (String token : List.of(restToken, headerToken, queryToken, refusedQueryToken, refusedHeaderToken)) {
            String signature = token.substring(token.lastIndexOf('.') + 1);
            assertThat(output.getAll()).doesNotContain(token).doesNotContain(signature);
        }
    }
}
