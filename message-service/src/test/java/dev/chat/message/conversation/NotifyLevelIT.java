package dev.chat.message.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.ChatInfra;
import tools.jackson.databind.JsonNode;

/**
 * The per-conversation notification level ({@code notify}: all, mentions, none) decides, with mute, which
 * recipients of a {@code message.created} want a push; large groups default to mentions. The settings
 * PUT merges. Message events also tell push consumers the conversation's type and title.
 */
@MessageServiceIT
class NotifyLevelIT {

    @Autowired
    WebTestClient client;

    ChatEventsProbe probe;

    @BeforeEach
    void listen() {
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void stop() {
        probe.close();
    }

    @Test
    void levelsDecideWhoWantsAPushAndTheSettingsPutMerges() {
        Api api = new Api(client);
        ConversationCalls calls = new ConversationCalls(client);
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        String dave = Api.user("dave");
        UUID group = api.group(alice, bob, carol, dave);
        assertThat(calls.get(bob, group).get("notify").asString()).isEqualTo("all");

        JsonNode bobs = ConversationCalls.body(calls.settings(bob, group, Map.of("notify", "mentions")).expectStatus().isOk());
        assertThat(bobs.get("notify").asString()).isEqualTo("mentions");
        calls.settings(carol, group, Map.of("notify", "none")).expectStatus().isOk();
        Instant until = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        calls.settings(dave, group, Map.of("muted_until", until.toString())).expectStatus().isOk();
        // merging: changing notify keeps the mute, and the other way round
        JsonNode daves = ConversationCalls.body(calls.settings(dave, group, Map.of("notify", "all")).expectStatus().isOk());
        assertThat(Instant.parse(daves.get("muted_until").asString())).isEqualTo(until);
        assertThat(daves.get("notify").asString()).isEqualTo("all");

        JsonNode plain = api.send(alice, group, "hello all");
        assertThat(recipientsOf(group, plain)).containsExactlyInAnyOrder(new Recipient(alice, false),
                new Recipient(bob, false), new Recipient(carol, false), new Recipient(dave, false));

        String text = "hey @bob and @carol";
        JsonNode mention = api.post(alice, "/api/v1/messages", Map.of("conversation_id", group, "content", text,
                        "mentions", List.of(Map.of("user_id", bob, "offset", 4, "length", 4),
                                Map.of("user_id", carol, "offset", 13, "length", 6))))
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        // bob (mentions) is mentioned: push; carol (none): never; dave: muted
        assertThat(recipientsOf(group, mention)).containsExactlyInAnyOrder(new Recipient(alice, false),
                new Recipient(bob, true), new Recipient(carol, false), new Recipient(dave, false));

        // null goes back to the default level
        JsonNode reset = ConversationCalls.body(calls.settings(carol, group, "{\"notify\": null}").expectStatus().isOk());
        assertThat(reset.get("notify").asString()).isEqualTo("all");
        JsonNode after = api.send(alice, group, "carol hears this again");
        assertThat(recipientsOf(group, after)).contains(new Recipient(carol, true));

        ChatEvent created = probe.events(group, "message.created").getFirst();
        assertThat(created.conversation()).isEqualTo(new ChatEvent.ConversationSummary("group", "team"));
    }

    @Test
    void largeGroupsDefaultToMentions() {
        Api api = new Api(client);
        ConversationCalls calls = new ConversationCalls(client);
        String owner = Api.user("owner");
        List<String> members = IntStream.range(0, 100).mapToObj(i -> Api.user("m" + i)).toList(); // 101 with the owner
        UUID group = api.group(owner, members.toArray(String[]::new));
        String quiet = members.get(0);
        String mentioned = members.get(1);
        String loud = members.get(2);
        assertThat(calls.get(quiet, group).get("notify").asString()).isEqualTo("mentions");
        calls.settings(loud, group, Map.of("notify", "all")).expectStatus().isOk();

        JsonNode sent = api.post(owner, "/api/v1/messages", Map.of("conversation_id", group, "content", "hi @x",
                        "mentions", List.of(Map.of("user_id", mentioned, "offset", 3, "length", 2))))
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        Map<String, Boolean> push = new HashMap<>();
        recipientsOf(group, sent).forEach(r -> push.put(r.userId(), r.push()));
        assertThat(push).hasSize(101);
        assertThat(push.get(quiet)).isFalse();
        assertThat(push.get(mentioned)).isTrue();
        assertThat(push.get(loud)).isTrue();
        assertThat(push.values().stream().filter(Boolean::booleanValue)).hasSize(2);

        UUID direct = api.direct(owner, quiet);
        assertThat(calls.get(quiet, direct).get("notify").asString()).isEqualTo("all");
    }

    private List<Recipient> recipientsOf(UUID conversation, JsonNode message) {
        long seq = message.get("seq").asLong();
        List<ChatEvent> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            found.clear();
            probe.events(conversation, "message.created").stream().filter(e -> e.seq() == seq).forEach(found::add);
            return !found.isEmpty();
        });
        return found.getFirst().recipients();
    }
}
