package dev.chat.message.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.testsupport.RawHttp;
import dev.chat.testsupport.TestTokens;

/**
 * With DEBUG logging for the web stack (Spring web, http and security, Reactor Netty, our code), requests with
 * {@code Authorization: Bearer} (answered, refused, failing validation, not found) and a token in a URL where it
 * is not accepted ({@code ?access_token=} on REST: 401) leave no token, and no token's signature, in the logs.
 */
@MessageServiceIT
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        "logging.level.org.springframework.web=DEBUG",
        "logging.level.org.springframework.http=DEBUG",
        "logging.level.org.springframework.security=DEBUG",
        "logging.level.reactor.netty=DEBUG",
        "logging.level.dev.chat=DEBUG" })
class TokensNeverLoggedIT {

    private static final List<String> DEBUG_LOGGERS = List.of("org.springframework.web", "org.springframework.http",
            "org.springframework.security", "reactor.netty", "dev.chat");

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    @AfterAll
    static void resetLevels() {
        LoggingSystem logging = LoggingSystem.get(TokensNeverLoggedIT.class.getClassLoader());
        DEBUG_LOGGERS.forEach(name -> logging.setLogLevel(name, LogLevel.INFO));
    }

    @Test
    void noTokenAppearsInTheLogs(CapturedOutput output) {
        String alice = Api.user("alice");
        String token = TestTokens.token(alice);
        String expired = TestTokens.expired(alice);
        String forged = TestTokens.wrongSignature(alice);
        String inUrl = TestTokens.token(alice, "In the URL");

        client.get().uri("/api/v1/conversations").headers(h -> h.setBearerAuth(token)).exchange().expectStatus().isOk();
        client.post().uri("/api/v1/messages").headers(h -> h.setBearerAuth(token))
                .bodyValue(Map.of("conversation_id", UUID.randomUUID(), "content", "x")).exchange()
                .expectStatus().isNotFound();
        client.post().uri("/api/v1/conversations").headers(h -> h.setBearerAuth(token))
                .bodyValue(Map.of("type", "nonsense")).exchange().expectStatus().isBadRequest();
        client.get().uri("/api/v1/nope").headers(h -> h.setBearerAuth(token)).exchange().expectStatus().isNotFound();
        client.get().uri("/api/v1/conversations").headers(h -> h.setBearerAuth(expired)).exchange().expectStatus().isUnauthorized();
        client.get().uri("/api/v1/conversations").headers(h -> h.setBearerAuth(forged)).exchange().expectStatus().isUnauthorized();
        assertThat(RawHttp.send(port, "GET /api/v1/conversations?access_token=" + inUrl + " HTTP/1.1", null, "").status())
                .isEqualTo(401);
        assertThat(RawHttp.send(port, "GET /api/v1/conversations/%zz?access_token=" + inUrl + " HTTP/1.1",
                "Authorization: Bearer " + token, "").status()).isEqualTo(400);

        // DEBUG was on and captured
        assertThat(output.getAll()).contains("DEBUG").contains("/api/v1/conversations");
        for (String t : List.of(token, expired, forged, inUrl)) {
            String signature = t.substring(t.lastIndexOf('.') + 1);
            assertThat(output.getAll()).as("a token in the logs").doesNotContain(t).doesNotContain(signature);
        }
    }
}
