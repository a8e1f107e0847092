package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import tools.jackson.databind.JsonNode;

import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** What clients may send, and what happens when they send something else. */
class ClientFramesIT extends WebSocketTestBase {

    @Test
    void pingIsAnsweredWithPongCarryingTheRef() {
        WsClient client = device(user("pinger"));

        client.send("{\"type\":\"ping\",\"ref\":\"r-1\"}");
        client.send("{\"type\":\"ping\",\"ref\":7}");
        client.send("{\"type\":\"ping\"}");

        assertThat(client.awaitFrames("pong", 3)).extracting(JsonNode::toString).containsExactly(
                "{\"type\":\"pong\",\"ref\":\"r-1\"}",
                "{\"type\":\"pong\",\"ref\":7}",
                "{\"type\":\"pong\",\"ref\":null}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ack", "read", "typing", "sync", "presence.subscribe"})
    void framesNotBuiltYetAreAnsweredUnsupported(String type) {
        WsClient client = device(user("early"));

        client.send("{\"type\":\"" + type + "\",\"conversation_id\":\"c\",\"seq\":1,\"ref\":\"x\"}");

        JsonNode error = client.awaitFrame("error");
        assertThat(error.path("code").asString()).isEqualTo("unsupported_type");
        assertThat(error.path("message").asString()).contains(type);
        assertThat(error.path("ref").asString()).isEqualTo("x");
    }

    @Test
    void unsupportedFramesDoNotUseUpTheAllowance() {
        WsClient client = device(user("acker"));

        for (int i = 0; i < 30; i++) {
            client.send("{\"type\":\"ack\",\"conversation_id\":\"c\",\"seq\":" + i + "}");
        }
        client.send("{\"type\":\"ping\",\"ref\":\"still-here\"}");

        assertThat(client.awaitFrame("pong").path("ref").asString()).isEqualTo("still-here");
        assertThat(client.frames("error")).hasSize(30);
        assertThat(client.isClosed()).isFalse();
    }

    @Test
    void unknownAndMalformedFramesAreAnsweredWithErrors() {
        WsClient client = device(user("sloppy"));

        client.send("{\"type\":\"teleport\",\"ref\":\"t\"}");
        client.send("{not json");
        client.send("[1,2,3]");
        client.send("{\"ref\":\"no-type\"}");
        client.sendBinary("{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(client.awaitFrames("error", 5)).extracting(
                e -> e.path("code").asString() + "/" + e.path("ref").asString(null))
                .containsExactly("unknown_type/t", "malformed_frame/null", "malformed_frame/null",
                        "malformed_frame/no-type", "malformed_frame/null");
        assertThat(client.frames("error").getFirst().path("message").asString()).contains("teleport");
    }

    @Test
    void tooManyBadFramesCloseWith1008() {
        WsClient client = device(user("spammer"));

        for (int i = 1; i <= 10; i++) {
            client.send("{\"type\":\"nonsense-" + i + "\"}");
        }
        client.send("{\"type\":\"ping\",\"ref\":\"alive\"}");
        client.awaitFrame("pong");
        assertThat(client.isClosed()).isFalse();

        client.send("{\"type\":\"nonsense-11\"}");

        assertThat(client.awaitClose()).isEqualTo(1008);
        assertThat(client.frames("error")).hasSize(11);
    }

    @Test
    void frameAboveTheLimitClosesWith1009() {
        WsClient client = device(user("big"));

        client.send("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(70 * 1024) + "\"}");

        assertThat(client.awaitClose()).isEqualTo(1009);
    }

    @Test
    void fragmentedMessageAboveTheLimitClosesWith1009() {
        WsClient client = device(user("sneaky"));

        client.sendFragmented("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(40 * 1024), "y".repeat(40 * 1024) + "\"}");

        assertThat(client.awaitClose()).isEqualTo(1009);
    }

    @Test
    void frameJustBelowTheLimitIsFine() {
        WsClient client = device(user("fits"));

        client.send("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(60 * 1024) + "\"}");

        assertThat(client.awaitFrame("pong").path("ref").asString()).hasSize(60 * 1024);
    }
}
