package dev.chat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.chat.devstack.ChatStack;
import dev.chat.e2e.ChatClient.Response;
import tools.jackson.databind.JsonNode;

/**
 * Beyond sending: membership changes, edits and deletes reach the right sockets as events, and
 * the gateway's per-user rate limit answers a burst with 429.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationLifecycleE2EIT {

    ChatStack stack;
    ChatClient api;
    String run;

    @BeforeAll
    void setUp(ChatStack stack) {
        this.stack = stack;
        api = new ChatClient(stack.gatewayUrl());
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void addedAndRemovedUsersGetMembershipEventsAndNothingAfterRemoval() {
        String owner = "owner-" + run;
        String member = "member-" + run;
        String newcomer = "newcomer-" + run;
        String ownerToken = api.devToken(owner);
        String memberToken = api.devToken(member);
        String newcomerToken = api.devToken(newcomer);
        UUID group = UUID.fromString(api.post(ownerToken, "/api/v1/conversations",
                Map.of("type", "group", "participant_ids", List.of(member), "title", "Team")).body().get("id").asString());

        try (WsClient memberPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), memberToken));
                WsClient newcomerPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), newcomerToken))) {
            Response added = api.post(ownerToken, "/api/v1/conversations/" + group + "/participants",
                    Map.of("user_ids", List.of(newcomer)));
            assertThat(added.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> !newcomerPhone.framesOf("conversation.updated", group).isEmpty());
            JsonNode addedEvent = newcomerPhone.framesOf("conversation.updated", group).getFirst().json();
            assertThat(addedEvent.get("added").toString()).contains(newcomer);
            assertThat(addedEvent.get("conversation").get("title").asString()).isEqualTo("Team");
            await().atMost(Duration.ofSeconds(10)).until(() -> memberPhone.framesOf("conversation.updated", group).stream()
                    .anyMatch(f -> f.json().get("added").toString().contains(newcomer)));

            Response removed = api.call("DELETE", "/api/v1/conversations/" + group + "/participants/" + newcomer,
                    ownerToken, null, Map.of());
            assertThat(removed.status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(10)).until(() -> newcomerPhone.framesOf("conversation.updated", group).stream()
                    .anyMatch(f -> f.json().get("removed").toString().contains(newcomer)));

            long seq = api.post(ownerToken, "/api/v1/messages", Map.of("conversation_id", group, "content", "after you left"))
                    .body().get("seq").asLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> memberPhone.seqs(group).contains(seq));
            assertThat(newcomerPhone.created(group)).isEmpty();
            assertThat(api.get(newcomerToken, "/api/v1/conversations/" + group).status()).isEqualTo(404);
        }
    }

    @Test
    void editsAndDeletesArriveAsEvents() {
        String alice = "alice-" + run;
        String bob = "bob-" + run;
        String aliceToken = api.devToken(alice);
        String bobToken = api.devToken(bob);
        UUID direct = UUID.fromString(api.post(aliceToken, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of(bob))).body().get("id").asString());

        try (WsClient bobPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken))) {
            JsonNode sent = api.post(aliceToken, "/api/v1/messages", Map.of("conversation_id", direct, "content", "typo")).body();
            String id = sent.get("id").asString();
            Response edited = api.call("PATCH", "/api/v1/messages/" + id, aliceToken, Map.of("content", "fixed"), Map.of());
            assertThat(edited.status()).isEqualTo(200);
            assertThat(edited.body().get("edited_at").isNull()).isFalse();
            Response deleted = api.call("DELETE", "/api/v1/messages/" + id, aliceToken, null, Map.of());
            assertThat(deleted.status()).isEqualTo(204);

            await().atMost(Duration.ofSeconds(10)).until(() -> !bobPhone.framesOf("message.deleted", direct).isEmpty());
            JsonNode update = bobPhone.framesOf("message.updated", direct).getFirst().json().get("message");
            assertThat(update.get("content").asString()).isEqualTo("fixed");
            assertThat(update.get("seq").asLong()).isEqualTo(sent.get("seq").asLong());
            JsonNode tombstone = bobPhone.framesOf("message.deleted", direct).getFirst().json().get("message");
            assertThat(tombstone.get("deleted").asBoolean()).isTrue();
            assertThat(tombstone.get("content").asString()).isEmpty();
            assertThat(tombstone.get("seq").asLong()).isEqualTo(sent.get("seq").asLong());
        }
    }

    @Test
    void aBurstOfSendsIsAnsweredWith429AndRetryAfter() throws Exception {
        String chatty = "chatty-" + run;
        String token = api.devToken(chatty);
        UUID direct = UUID.fromString(api.post(token, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of("listener-" + run))).body().get("id").asString());

        List<Response> responses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(10)) {
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String content = "burst " + i;
                futures.add(pool.submit(() -> api.post(token, "/api/v1/messages",
                        Map.of("conversation_id", direct, "content", content))));
            }
            for (Future<Response> f : futures) {
                responses.add(f.get());
            }
        }
        List<Response> limited = responses.stream().filter(r -> r.status() == 429).toList();
        long created = responses.stream().filter(r -> r.status() == 201).count();
        assertThat(limited).isNotEmpty();
        assertThat(created + limited.size()).isEqualTo(40);
        for (Response r : limited) {
            assertThat(r.body().get("code").asString()).isEqualTo("rate_limited");
            assertThat(Integer.parseInt(r.header("Retry-After"))).isGreaterThanOrEqualTo(1);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        // what was limited never reached the message service
        Response history = api.get(token, "/api/v1/conversations/" + direct + "/messages?limit=200");
        assertThat(history.body().get("messages").size()).isEqualTo((int) created);
    }

    private static WsClient ready(WsClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() -> client.hasFrame("session.ready"));
        return client;
    }
}
