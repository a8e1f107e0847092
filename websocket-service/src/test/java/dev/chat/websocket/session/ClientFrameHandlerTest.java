package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.web.reactive.socket.WebSocketMessage;

import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.WebSocketProperties;

class ClientFrameHandlerTest {

    private final WebSocketProperties properties = properties("chat.ws.bad-frame-allowance", "2");
    private final ClientFrameHandler handler = new ClientFrameHandler(properties);
    private final ChatSession session = new ChatSession("s", "u", Instant.now().plusSeconds(60), 100);

    static WebSocketProperties properties(String key, String value) {
        MockEnvironment environment = new MockEnvironment().withProperty(key, value);
        return new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("chat.ws", WebSocketProperties.class);
    }

    private static WebSocketMessage text(String json) {
        return new WebSocketMessage(WebSocketMessage.Type.TEXT,
                DefaultDataBufferFactory.sharedInstance.wrap(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badFramesBeyondTheAllowanceClose() {
        handler.handle(session, text("{\"type\":\"x\"}"));
        handler.handle(session, text("nope"));
        assertThat(session.isClosing()).isFalse();

        handler.handle(session, text("{\"type\":\"y\"}"));

        assertThat(session.closeStatus().getCode()).isEqualTo(1008);
        List<String> codes = session.outbound().take(3)
                .map(f -> ChatJson.mapper().readTree(((OutboundFrame.Text) f).utf8Json()).path("code").asString())
                .collectList().block(Duration.ofSeconds(5));
        assertThat(codes).containsExactly("unknown_type", "malformed_frame", "unknown_type");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        WebSocketProperties defaults = properties("unrelated", "x");

        assertThat(defaults.heartbeat()).isEqualTo(Duration.ofSeconds(25));
        assertThat(defaults.heartbeatSeconds()).isEqualTo(25);
        assertThat(defaults.outboundBuffer()).isEqualTo(1024);
        assertThat(defaults.maxFramePayloadLength()).isEqualTo(64 * 1024);
        assertThat(defaults.badFrameAllowance()).isEqualTo(10);
        assertThat(properties("chat.ws.heartbeat", "500ms").heartbeatSeconds()).isEqualTo(1);
    }
}
