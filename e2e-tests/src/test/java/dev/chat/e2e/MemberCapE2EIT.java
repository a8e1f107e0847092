package dev.chat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.chat.devstack.ChatStack;
import dev.chat.e2e.ChatClient.Response;

/**
 * The scenario that once stopped all delivery (one user growing a group until its membership event no
 * longer fitted the broker's record limit) now ends at the member cap with 409 conversation_full, and
 * every conversation, the full group included, keeps delivering to its sockets.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemberCapE2EIT {

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
    void growingAGroupStopsAtTheCapAndEveryConversationKeepsDelivering() {
        String owner = "owner-" + run;
        String ownerToken = api.devToken(owner);
        // 60-character user ids, as in the report: 2,000 of them reach the default cap
        List<String> firstPage = IntStream.range(0, 999).mapToObj(i -> sixtyCharacters("a" + i)).toList();
        List<String> secondPage = IntStream.range(0, 1000).mapToObj(i -> sixtyCharacters("b" + i)).toList();
        Response created = api.post(ownerToken, "/api/v1/conversations",
                Map.of("type", "group", "participant_ids", firstPage, "title", "Everyone"));
        assertThat(created.status()).isEqualTo(201);
        UUID group = UUID.fromString(created.body().get("id").asString());
        Response grown = api.post(ownerToken, "/api/v1/conversations/" + group + "/participants",
                Map.of("user_ids", secondPage));
        assertThat(grown.status()).isEqualTo(200);
        assertThat(grown.body().get("participant_count").asInt()).isEqualTo(2000);

        Response refused = api.post(ownerToken, "/api/v1/conversations/" + group + "/participants",
                Map.of("user_ids", List.of(sixtyCharacters("one-too-many"))));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.body().get("code").asString()).isEqualTo("conversation_full");

        String alice = "alice-" + run;
        String bob = "bob-" + run;
        String aliceToken = api.devToken(alice);
        String bobToken = api.devToken(bob);
        String memberToken = api.devToken(secondPage.getLast());
        UUID direct = UUID.fromString(api.post(aliceToken, "/api/v1/conversations",
                Map.of("type", "direct", "participant_ids", List.of(bob))).body().get("id").asString());
        try (WsClient bobPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), bobToken));
                WsClient memberPhone = ready(WsClient.connect(stack.gatewayWebSocketUrl(), memberToken))) {
            long directSeq = api.post(aliceToken, "/api/v1/messages", Map.of("conversation_id", direct, "content", "hi bob"))
                    .body().get("seq").asLong();
            long groupSeq = api.post(ownerToken, "/api/v1/messages", Map.of("conversation_id", group, "content", "hi all"))
                    .body().get("seq").asLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> bobPhone.seqs(direct).contains(directSeq));
            await().atMost(Duration.ofSeconds(10)).until(() -> memberPhone.seqs(group).contains(groupSeq));
        }
        Response outbox = new ChatClient(stack.serviceUrl("message-service")).get(null, "/actuator/health/outbox");
        assertThat(outbox.body().get("components").get("outboxRelay").get("details").get("dead_letters").asLong()).isZero();
    }

    private String sixtyCharacters(String prefix) {
        String id = prefix + "-" + run + "-";
        return id + "x".repeat(60 - id.length());
    }

    private static WsClient ready(WsClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() -> client.hasFrame("session.ready"));
        return client;
    }
}
