package dev.chat.websocket.security;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.PresenceUpdate;
import dev.chat.shared.event.Topics;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.support.TopicProbe;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * BOLA on the WebSocket: mallory, who is not in alice and bob's conversation, sends every frame that names a
 * conversation or a user. The node decides nothing on its own about membership; it acts as the session's user
 * and no one else, so that message-service's membership checks (tested in message-service's own ITs) apply:
 * <ul>
 *   <li>{@code ack}, {@code read}, {@code typing}: the signal carries mallory's id and session, whatever the frame
 *       claims ({@code user_id}, {@code session_id} fields are ignored); nothing reaches alice's or bob's sockets;</li>
 *   <li>{@code sync}: message-service is asked with mallory's own token; its 404 becomes {@code error}
 *       {@code not_a_participant} with mallory's ref, nothing of the conversation is replayed, to anyone;</li>
 *   <li>{@code presence.subscribe} of alice: asked with mallory's token; message-service leaves alice out, so
 *       mallory gets no state and no update of hers, silently.</li>
 * </ul>
 * "Nothing arrived" is asserted after a later event to the same socket has arrived.
 */
class FrameAuthorizationIT extends WebSocketTestBase {

    private TopicProbe signals;

    @BeforeEach
    void probe() {
        signals = new TopicProbe(Topics.CHAT_SIGNALS);
    }

    @AfterEach
    void closeProbe() {
        signals.close();
    }

    @Test
    void anOutsidersAckReadAndTypingAreSignalsOfTheOutsiderOnlyAndReachNoOne() {
        String alice = user("alice");
        String bob = user("bob");
        String mallory = user("mallory");
        UUID conversation = UUID.randomUUID();
        WsClient alicePhone = device(alice);
        WsClient bobPhone = device(bob);
        WsClient malloryPhone = device(mallory);
        String mallorySession = malloryPhone.frames().getFirst().path("session_id").asString();
        String spoof = ",\"user_id\":\"" + alice + "\",\"session_id\":\"" + alicePhone.frames().getFirst()
                .path("session_id").asString() + "\",\"sender_id\":\"" + alice + "\"";

        malloryPhone.send("{\"type\":\"ack\",\"conversation_id\":\"" + conversation + "\",\"seq\":99" + spoof + "}");
        malloryPhone.send("{\"type\":\"read\",\"conversation_id\":\"" + conversation + "\",\"seq\":99" + spoof + "}");
        malloryPhone.send("{\"type\":\"typing\",\"conversation_id\":\"" + conversation + "\",\"typing\":true" + spoof + "}");

        List<TopicProbe.Record> published = signals.await(r -> conversation.toString().equals(r.key()), 3);
        assertThat(published).extracting(r -> r.value().path("type").asString()).containsExactly("ack", "read", "typing");
        assertThat(published).allSatisfy(record -> {
            assertThat(record.value().path("user_id").asString()).isEqualTo(mallory);
            assertThat(record.value().path("session_id").asString()).isEqualTo(mallorySession);
        });
        // answered nothing, and the members heard nothing: a later event of the conversation is the first they get
        events.send(message(conversation, 1, alice, alice, bob));
        for (WsClient member : List.of(alicePhone, bobPhone)) {
            member.awaitFrame("message.created");
            assertThat(member.frames()).extracting(f -> f.path("type").asString())
                    .containsExactly("session.ready", "message.created");
        }
        malloryPhone.send("{\"type\":\"ping\",\"ref\":\"after\"}");
        malloryPhone.awaitFrame("pong");
        assertThat(malloryPhone.frames()).extracting(f -> f.path("type").asString())
                .containsExactly("session.ready", "pong");
    }

    @Test
    void anOutsidersSyncIsAskedWithTheOutsidersTokenAndAnsweredNotAParticipant() {
        String alice = user("alice");
        String mallory = user("mallory");
        String aliceToken = TestTokens.token(alice);
        String malloryToken = TestTokens.token(mallory);
        UUID conversation = UUID.randomUUID();
        WsClient alicePhone = track(WsClient.ready(port, aliceToken));
        WsClient malloryPhone = track(WsClient.ready(port, malloryToken));
        String path = "/api/v1/conversations/" + conversation + "/sync";
        // message-service as it is: the members' page for a member's token, 404 for anyone else
        messageService().stubFor(get(urlPathEqualTo(path)).atPriority(5)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"status\":404,\"code\":\"not_a_participant\"}")));
        messageService().stubFor(get(urlPathEqualTo(path)).atPriority(1)
                .withHeader("Authorization", equalTo("Bearer " + aliceToken))
                .willReturn(okJson(secretPage(conversation))));

        malloryPhone.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":0,\"ref\":\"m-1\"}");

        JsonNode error = malloryPhone.awaitFrame("error");
        assertThat(error.path("code").asString()).isEqualTo("not_a_participant");
        assertThat(error.path("ref").asString()).isEqualTo("m-1");
        List<LoggedRequest> asked = messageService().findAll(getRequestedFor(urlPathEqualTo(path)));
        assertThat(asked).singleElement().satisfies(request ->
                assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + malloryToken));

        // alice's own sync works and is hers alone
        alicePhone.send("{\"type\":\"sync\",\"conversation_id\":\"" + conversation + "\",\"after_seq\":0,\"ref\":\"a-1\"}");
        alicePhone.awaitFrame("sync.done");
        assertThat(alicePhone.frames("message.created")).singleElement()
                .satisfies(m -> assertThat(m.path("message").path("content").asString()).isEqualTo("for members only"));
        malloryPhone.send("{\"type\":\"ping\",\"ref\":\"after\"}");
        malloryPhone.awaitFrame("pong");
        assertThat(malloryPhone.frames()).extracting(f -> f.path("type").asString())
                .containsExactly("session.ready", "error", "pong");
        assertThat(malloryPhone.frames()).noneMatch(f -> f.toString().contains("for members only"));
    }

    @Test
    void anOutsidersPresenceSubscriptionIsAskedWithTheOutsidersTokenAndSilentlyLeavesStrangersOut() {
        String alice = user("alice");
        String bob = user("bob");
        String mallory = user("mallory");
        String malloryToken = TestTokens.token(mallory);
        WsClient malloryPhone = track(WsClient.ready(port, malloryToken));
        device(alice);
        // mallory shares a conversation with bob, not with alice: message-service answers bob only
        messageService().stubFor(post(urlPathEqualTo("/api/v1/presence/query"))
                .withHeader("Authorization", equalTo("Bearer " + malloryToken))
                .willReturn(okJson("{\"presence\":[{\"user_id\":\"" + bob + "\",\"online\":false,\"last_seen_at\":null}]}")));

        malloryPhone.send("{\"type\":\"presence.subscribe\",\"user_ids\":[\"" + alice + "\",\"" + bob + "\"],\"ref\":\"p\"}");

        JsonNode state = malloryPhone.awaitFrame("presence.updated");
        assertThat(state.path("user_id").asString()).isEqualTo(bob);
        assertThat(messageService().findAll(postRequestedFor(urlPathEqualTo("/api/v1/presence/query"))))
                .singleElement().satisfies(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + malloryToken));
        // alice changes, then bob (same key: same partition, read in this order): mallory hears of bob only
        events.publish(Topics.CHAT_PRESENCE_UPDATES, bob, PresenceUpdate.of(alice, false, Instant.now()));
        events.publish(Topics.CHAT_PRESENCE_UPDATES, bob, PresenceUpdate.of(bob, true, Instant.now()));
        malloryPhone.awaitFrame(f -> "presence.updated".equals(f.path("type").asString()) && f.path("online").asBoolean());
        assertThat(malloryPhone.frames("presence.updated")).extracting(f -> f.path("user_id").asString())
                .containsExactly(bob, bob);
        assertThat(malloryPhone.frames("error")).as("left out silently").isEmpty();
    }

    private static String secretPage(UUID conversation) {
        return "{\"conversation_id\":\"" + conversation + "\",\"messages\":[{\"id\":\"" + UUID.randomUUID() + "\",\"conversation_id\":\"" + conversation
                + "\",\"seq\":1,\"sender_id\":\"bob\",\"type\":\"text\",\"content\":\"for members only\","
                + "\"created_at\":\"2026-11-21T12:00:00.123Z\",\"edited_at\":null,\"deleted\":false}],"
                + "\"changes\":[],\"receipts\":[],\"last_seq\":1,\"change_cursor\":1,\"has_more\":false}";
    }
}
