package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

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

    @Test
    void framesOfTheContractAreAcceptedWithoutAnAnswer() {
        WsClient client = device(user("talker"));
        String conversation = UUID.randomUUID().toString();

        client.send("{\"type\":\"ack\",\"conversation_id\":\"" + conversation + "\",\"seq\":3}");
        client.send("{\"type\":\"read\",\"conversation_id\":\"" + conversation + "\",\"seq\":2,\"ref\":\"x\"}");
        client.send("{\"type\":\"typing\",\"conversation_id\":\"" + conversation + "\",\"typing\":false}");
        client.send("{\"type\":\"ping\",\"ref\":\"after\"}");

        // the pong answers the frame after them: had they been answered, the answers would be first
        client.awaitFrame("pong");
        assertThat(client.frames()).extracting(f -> f.path("type").asString()).containsExactly("session.ready", "pong");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"ack\",\"conversation_id\":\"c\",\"seq\":1,\"ref\":\"x\"}",
            "{\"type\":\"read\",\"conversation_id\":\"7f1c0c3e-52a4-4b57-9d43-2d0b8f7f6a10\",\"ref\":\"x\"}",
            "{\"type\":\"typing\",\"conversation_id\":\"7f1c0c3e-52a4-4b57-9d43-2d0b8f7f6a10\",\"typing\":1,\"ref\":\"x\"}",
            "{\"type\":\"sync\",\"conversation_id\":\"7f1c0c3e-52a4-4b57-9d43-2d0b8f7f6a10\",\"after_seq\":-5,\"ref\":\"x\"}",
            "{\"type\":\"presence.subscribe\",\"user_ids\":[null],\"ref\":\"x\"}"})
    void framesWithAMissingOrWrongFieldAreInvalid(String frame) {
        WsClient client = device(user("sloppy"));

        client.send(frame);

        JsonNode error = client.awaitFrame("error");
        assertThat(error.path("code").asString()).isEqualTo("invalid_frame");
        assertThat(error.path("message").asString()).isNotBlank();
        assertThat(error.path("ref").asString()).isEqualTo("x");
    }

    @Test
    void invalidFramesCountAgainstTheAllowance() {
        WsClient client = device(user("careless"));

        for (int i = 1; i <= 11; i++) {
            client.send("{\"type\":\"ack\",\"conversation_id\":\"nope\",\"seq\":" + i + "}");
        }

        assertThat(client.awaitClose()).isEqualTo(1008);
        assertThat(client.frames("error")).hasSize(11)
                .allSatisfy(e -> assertThat(e.path("code").asString()).isEqualTo("invalid_frame"));
    }

    @Test
    void tooManyUserIdsIsAnsweredButNotCountedAsABadFrame() {
        WsClient client = device(user("nosy"));
        String ids = IntStream.range(0, 501).mapToObj(i -> "\"u" + i + "\"").collect(Collectors.joining(","));

        for (int i = 0; i < 15; i++) {
            client.send("{\"type\":\"presence.subscribe\",\"ref\":" + i + ",\"user_ids\":[" + ids + "]}");
        }
        client.send("{\"type\":\"ping\",\"ref\":\"still-here\"}");

        assertThat(client.awaitFrame("pong").path("ref").asString()).isEqualTo("still-here");
        assertThat(client.frames("error")).hasSize(15)
                .allSatisfy(e -> assertThat(e.path("code").asString()).isEqualTo("too_many_user_ids"));
        assertThat(client.frames("error").get(3).path("ref").asInt()).isEqualTo(3);
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
