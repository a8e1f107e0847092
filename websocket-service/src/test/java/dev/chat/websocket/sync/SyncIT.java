package dev.chat.websocket.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;

import com.github.tomakehurst.wiremock.http.Fault;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** sync: the node asks message-service (as the user) and replays the page to that session only. */
class SyncIT extends WebSocketTestBase {

    @Autowired
    MeterRegistry meters;

    @Test
    void replaysMessagesChangesAndReceiptsInOrderThenSyncDone() {
        String alice = user("alice");
        String token = TestTokens.token(alice);
        WsClient device = track(WsClient.ready(port, token));
        WsClient otherDevice = device(alice);
        UUID conversation = UUID.randomUUID();
        ObjectNode page = page(conversation, List.of(message(conversation, 4, null, false), message(conversation, 5, null, false)),
                List.of(message(conversation, 2, Instant.parse("2026-11-21T12:00:00.123Z"), false),
                        message(conversation, 1, null, true)),
                5, 17, false);
        ArrayNode receipts = page.putArray("receipts");
        receipts.addObject().put("user_id", alice).put("delivered_seq", 5).put("read_seq", 3);
        receipts.addObject().put("user_id", "bob").put("delivered_seq", 4).put("read_seq", 4);
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + conversation + "/sync"))
                .withQueryParam("after_seq", equalTo("3"))
                .withQueryParam("limit", equalTo("200"))
                .withQueryParam("after_change", absent())
                .withHeader("Authorization", equalTo("Bearer " + token))
                .willReturn(okJson(page.toString())));
        double doneBefore = syncs("done");

        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":3,\"ref\":\"s-1\"}");

        JsonNode done = device.awaitFrame("sync.done");
        List<JsonNode> frames = device.frames().subList(1, device.frames().size());
        assertThat(frames).extracting(f -> f.path("type").asString() + ":" + f.path("message").path("seq").asLong(0)
                        + ":" + f.path("user_id").asString(""))
                .containsExactly("message.created:4:", "message.created:5:", "message.updated:2:", "message.deleted:1:",
                        "receipt.updated:0:" + alice, "receipt.updated:0:bob", "sync.done:0:");
        assertThat(frames.subList(0, 6)).allSatisfy(f -> assertThat(f.path("replay").asBoolean()).isTrue());
        assertThat(frames.get(2).path("message").path("edited_at").asString()).isEqualTo("2026-11-21T12:00:00.123Z");
        assertThat(frames.get(2).path("message").path("content").asString()).isEqualTo("message 2");
        assertThat(frames.get(4).toString()).isEqualTo("{\"type\":\"receipt.updated\",\"conversation_id\":\""
                + conversation + "\",\"user_id\":\"" + alice + "\",\"delivered_seq\":5,\"read_seq\":3,\"replay\":true}");
        assertThat(done.toString()).isEqualTo("{\"type\":\"sync.done\",\"conversation_id\":\"" + conversation
                + "\",\"last_seq\":5,\"ref\":\"s-1\",\"change_cursor\":17,\"has_more\":false}");
        // only the session that asked
        otherDevice.send("{\"type\":\"ping\"}");
        otherDevice.awaitFrame("pong");
        assertThat(otherDevice.frames()).extracting(f -> f.path("type").asString()).containsExactly("session.ready", "pong");
        await().atMost(WsClient.TIMEOUT).until(() -> syncs("done") >= doneBefore + 1);
    }

    @Test
    void passesTheChangeCursorBackAndReportsHasMore() {
        String bob = user("bob");
        WsClient device = device(bob);
        UUID conversation = UUID.randomUUID();
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + conversation + "/sync"))
                .withQueryParam("after_seq", equalTo("0"))
                .withQueryParam("after_change", equalTo("c:42/x"))
                .willReturn(okJson(page(conversation, List.of(message(conversation, 1, null, false)), List.of(), 1,
                        "c:43", true).toString())));

        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation
                + "\",\"after_seq\":0,\"after_change\":\"c:42/x\"}");

        JsonNode done = device.awaitFrame("sync.done");
        assertThat(done.path("has_more").asBoolean()).isTrue();
        assertThat(done.path("change_cursor").asString()).isEqualTo("c:43");
        assertThat(done.path("ref").isNull()).isTrue();
        assertThat(device.frames("message.created")).hasSize(1);
    }

    @Test
    void aPageLargerThanTheOutboundBufferIsPacedNotOverflowed() {
        WsClient device = device(user("catching-up"));
        UUID conversation = UUID.randomUUID();
        List<ObjectNode> messages = IntStream.rangeClosed(1, 200)
                .mapToObj(seq -> message(conversation, seq, null, false)).toList();
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + conversation + "/sync"))
                .willReturn(okJson(page(conversation, messages, List.of(), 200, 200, false).toString())));

        // the test node's outbound buffer holds 16 frames: 201 must not close it with 1013
        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":0}");

        device.awaitFrame("sync.done");
        assertThat(device.frames("message.created")).extracting(f -> f.path("message").path("seq").asLong())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 200).mapToObj(i -> (long) i).toList());
        assertThat(device.isClosed()).isFalse();
    }

    @Test
    void syncsOfOneSessionRunOneAtATimeInOrder() {
        WsClient device = device(user("orderly"));
        UUID slow = UUID.randomUUID();
        UUID fast = UUID.randomUUID();
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + slow + "/sync"))
                .willReturn(okJson(page(slow, List.of(message(slow, 1, null, false)), List.of(), 1, 1, false).toString())
                        .withFixedDelay(500)));
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + fast + "/sync"))
                .willReturn(okJson(page(fast, List.of(message(fast, 1, null, false)), List.of(), 1, 1, false).toString())));

        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + slow + "\",\"after_seq\":0,\"ref\":1}");
        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + fast + "\",\"after_seq\":0,\"ref\":2}");

        device.awaitFrames("sync.done", 2);
        assertThat(device.frames()).extracting(f -> f.path("type").asString() + ":"
                        + f.path("message").path("conversation_id").asString(f.path("conversation_id").asString("")))
                .containsExactly("session.ready:", "message.created:" + slow, "sync.done:" + slow,
                        "message.created:" + fast, "sync.done:" + fast);
    }

    @Test
    void moreThanTheQueueTakesIsAnsweredTooManyRequests() {
        WsClient device = device(user("impatient"));
        UUID slow = UUID.randomUUID();
        UUID gone = UUID.randomUUID();
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + slow + "/sync"))
                .willReturn(okJson(page(slow, List.of(), List.of(), 0, 0, false).toString()).withFixedDelay(1_500)));
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + gone + "/sync"))
                .willReturn(aResponse().withStatus(404)));

        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + slow + "\",\"after_seq\":0,\"ref\":\"first\"}");
        for (int i = 0; i < 33; i++) {
            device.send("{\"type\":\"sync\",\"conversation_id\":\"" + gone + "\",\"after_seq\":0,\"ref\":" + i + "}");
        }

        // 1 running + 32 waiting are served; the 34th is refused at once
        JsonNode refused = device.awaitFrame(f -> "too_many_requests".equals(f.path("code").asString()));
        assertThat(refused.path("ref").asInt()).isEqualTo(32);
        device.awaitFrame("sync.done");
        List<JsonNode> errors = device.awaitFrames("error", 33);
        assertThat(errors).extracting(e -> e.path("code").asString())
                .containsOnly("too_many_requests", "not_a_participant")
                .filteredOn("not_a_participant"::equals).hasSize(32);
        assertThat(device.isClosed()).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"404, not_a_participant", "400, invalid_frame", "500, sync_failed", "503, sync_failed",
            "401, sync_failed"})
    void failuresOfMessageServiceAreErrorsWithTheRef(int status, String code) {
        WsClient device = device(user("unlucky"));
        UUID conversation = UUID.randomUUID();
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + conversation + "/sync"))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"status\":" + status + ",\"code\":\"x\",\"detail\":\"after_change is not a cursor\"}")));

        // more than the bad-frame allowance: none of these answers counts against it
        for (int i = 0; i < 12; i++) {
            device.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":0,\"ref\":\"r" + i + "\"}");
        }

        List<JsonNode> errors = device.awaitFrames("error", 12);
        assertThat(errors).extracting(e -> e.path("code").asString()).containsOnly(code);
        assertThat(errors).extracting(e -> e.path("ref").asString()).startsWith("r0", "r1");
        if (status == 400) {
            assertThat(errors.getFirst().path("message").asString()).isEqualTo("after_change is not a cursor");
        }
        device.send("{\"type\":\"ping\",\"ref\":\"alive\"}");
        assertThat(device.awaitFrame("pong").path("ref").asString()).isEqualTo("alive");
        assertThat(device.frames("sync.done")).isEmpty();
    }

    @Test
    void timeoutsAndBrokenConnectionsAreSyncFailed() {
        WsClient device = device(user("patient"));
        UUID slow = UUID.randomUUID();
        UUID broken = UUID.randomUUID();
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + slow + "/sync"))
                .willReturn(okJson(page(slow, List.of(), List.of(), 0, 0, false).toString()).withFixedDelay(9_000)));
        messageService().stubFor(get(urlPathEqualTo("/api/v1/conversations/" + broken + "/sync"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        double timeoutsBefore = syncs("timeout");

        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + slow + "\",\"after_seq\":0,\"ref\":\"slow\"}");
        device.send("{\"type\":\"sync\",\"conversation_id\":\"" + broken + "\",\"after_seq\":0,\"ref\":\"broken\"}");

        // the test node gives message-service 6 s
        List<JsonNode> errors = device.awaitFrames("error", 2);
        assertThat(errors).extracting(e -> e.path("code").asString() + ":" + e.path("ref").asString())
                .containsExactly("sync_failed:slow", "sync_failed:broken");
        assertThat(device.frames("sync.done")).isEmpty();
        await().atMost(WsClient.TIMEOUT).until(() -> syncs("timeout") > timeoutsBefore);
        messageService().verify(getRequestedFor(urlPathEqualTo("/api/v1/conversations/" + broken + "/sync")));
    }

    private double syncs(String outcome) {
        return meters.get("chat.ws.syncs").tag("outcome", outcome).counter().count();
    }

    static ObjectNode message(UUID conversation, long seq, Instant editedAt, boolean deleted) {
        ObjectNode message = ChatJson.mapper().createObjectNode()
                .put("id", UUID.randomUUID().toString())
                .put("conversation_id", conversation.toString())
                .put("seq", seq)
                .put("sender_id", "bob")
                .put("type", "text")
                .put("content", deleted ? "" : "message " + seq)
                .put("created_at", "2026-11-21T11:00:00.000Z")
                .put("deleted", deleted);
        if (editedAt != null) {
            message.put("edited_at", ChatJson.TIMESTAMP.format(editedAt));
        } else {
            message.putNull("edited_at");
        }
        message.putArray("attachments");
        message.putArray("mentions");
        return message;
    }

    static ObjectNode page(UUID conversation, List<ObjectNode> messages, List<ObjectNode> changes, long lastSeq,
            Object changeCursor, boolean hasMore) {
        ObjectNode page = ChatJson.mapper().createObjectNode().put("conversation_id", conversation.toString());
        page.putArray("messages").addAll(messages);
        page.putArray("changes").addAll(changes);
        page.putArray("receipts");
        page.put("last_seq", lastSeq);
        page.set("change_cursor", ChatJson.mapper().valueToTree(changeCursor));
        page.put("has_more", hasMore);
        return page;
    }
}
