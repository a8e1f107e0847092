package dev.chat.message.conversation;

import static dev.chat.message.Api.expectProblem;
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
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.testsupport.ChatInfra;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class ConversationMembershipIT {

    @Autowired
    WebTestClient client;

    @Autowired
    DatabaseClient db;

    ChatEventsProbe probe;

    @BeforeEach
    void listen() {
        probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false);
    }

    @AfterEach
    void stop() {
        probe.close();
    }

    Api api() {
        return new Api(client);
    }

    ConversationCalls calls() {
        return new ConversationCalls(client);
    }

    // ---- rename

    @Test
    void ownerAndAdminsRenameMembersMayNot() {
        String owner = Api.user("owner");
        String admin = Api.user("admin");
        String member = Api.user("member");
        UUID group = api().group(owner, admin, member);
        promote(group, admin);

        JsonNode renamed = ConversationCalls.body(calls().rename(owner, group, "  Launch crew ").expectStatus().isOk());
        assertThat(renamed.get("title").asString()).isEqualTo("Launch crew");
        assertThat(renamed.get("id").asString()).isEqualTo(group.toString());
        assertThat(renamed.get("unread_count").isNumber()).isTrue(); // the caller's own fields are set here
        assertThat(ConversationCalls.body(calls().rename(admin, group, "By the admin").expectStatus().isOk())
                .get("title").asString()).isEqualTo("By the admin");
        expectProblem(calls().rename(member, group, "Mine now"), 403, "forbidden_role");
        assertThat(calls().get(member, group).get("title").asString()).isEqualTo("By the admin");

        // an absent title changes nothing; null (or blank) removes it
        assertThat(ConversationCalls.body(calls().patch(owner, group, Map.of()).expectStatus().isOk())
                .get("title").asString()).isEqualTo("By the admin");
        assertThat(ConversationCalls.body(calls().rename(owner, group, null).expectStatus().isOk())
                .get("title").isNull()).isTrue();
        assertThat(ConversationCalls.body(calls().rename(owner, group, "x").expectStatus().isOk())
                .get("title").asString()).isEqualTo("x");
        assertThat(ConversationCalls.body(calls().rename(owner, group, "   ").expectStatus().isOk())
                .get("title").isNull()).isTrue();
    }

    @Test
    void renameErrorsHavePreciseCodes() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        UUID group = api().group(owner, bob);
        UUID direct = api().direct(owner, bob);

        expectProblem(calls().rename(Api.user("mallory"), group, "hi"), 404, "not_a_participant");
        expectProblem(calls().rename(owner, UUID.randomUUID(), "hi"), 404, "not_a_participant");
        expectProblem(calls().rename(owner, direct, "hi"), 400, "not_a_group");
        expectProblem(calls().rename(owner, group, "x".repeat(201)), 400, "invalid_title");
        calls().rename(owner, group, "é".repeat(200)).expectStatus().isOk(); // characters, not bytes
        expectProblem(calls().patch(owner, group, "{\"title\": "), 400, "malformed_request");
        expectProblem(calls().patch(owner, group, "{\"title\": {\"text\": \"x\"}}"), 400, "malformed_request");
        expectProblem(calls().patch(owner, group, "{\"title\": [\"x\"]}"), 400, "malformed_request");
        expectProblem(calls().patch(owner, group, "{\"title\": 42}"), 400, "malformed_request");
        expectProblem(client.patch().uri("/api/v1/conversations/not-a-uuid")
                .headers(h -> h.setBearerAuth(dev.chat.testsupport.TestTokens.token(owner)))
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("title", "x")).exchange(), 400, "malformed_request");
    }

    // ---- add

    @Test
    void ownerAddsMembersAlreadyPresentOnesAreIgnored() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        UUID group = api().group(owner, bob);
        api().send(bob, group, "said before carol came");
        String carol = Api.user("carol");
        String dave = Api.user("dave");

        JsonNode view = ConversationCalls.body(calls().add(owner, group, List.of(carol, bob, owner, dave, carol))
                .expectStatus().isOk());

        assertThat(view.get("participant_count").asInt()).isEqualTo(4);
        assertThat(roles(view)).containsExactlyInAnyOrderEntriesOf(
                Map.of(owner, "owner", bob, "member", carol, "member", dave, "member"));
        // what was said before carol joined is history, not unread
        JsonNode carols = calls().get(carol, group);
        assertThat(carols.get("unread_count").asLong()).isZero();
        assertThat(carols.get("my_read_seq").asLong()).isEqualTo(1);
        assertThat(api().history(carol, group, "").get("messages")).hasSize(1);

        // adding only people who are there already is fine and changes nothing
        calls().add(owner, group, List.of(bob, carol)).expectStatus().isOk();
        assertThat(calls().get(owner, group).get("participant_count").asInt()).isEqualTo(4);
    }

    @Test
    void addErrorsHavePreciseCodes() {
        String owner = Api.user("owner");
        String member = Api.user("member");
        UUID group = api().group(owner, member);
        UUID direct = api().direct(owner, member);

        expectProblem(calls().add(member, group, List.of(Api.user("x"))), 403, "forbidden_role");
        expectProblem(calls().add(Api.user("mallory"), group, List.of(Api.user("x"))), 404, "not_a_participant");
        expectProblem(calls().add(owner, direct, List.of(Api.user("x"))), 400, "not_a_group");
        expectProblem(calls().add(owner, group, List.of()), 400, "invalid_participants");
        expectProblem(calls().add(owner, group, List.of("x".repeat(129))), 400, "invalid_participants");
        expectProblem(calls().add(owner, group, List.of(" ")), 400, "invalid_participants");
        expectProblem(calls().add(owner, group, IntStream.range(0, 1001).mapToObj(i -> "u" + i).toList()),
                400, "too_many_participants");
        expectProblem(client.post().uri("/api/v1/conversations/" + group + "/participants")
                .headers(h -> h.setBearerAuth(dev.chat.testsupport.TestTokens.token(owner)))
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_ids\": \"bob\"}").exchange(), 400, "malformed_request");
        assertThat(calls().get(owner, group).get("participant_count").asInt()).isEqualTo(2);
    }

    // ---- remove, leave, owner hand-over

    @Test
    void adminsRemoveMembersButNotTheOwnerMembersRemoveNobody() {
        String owner = Api.user("owner");
        String admin = Api.user("admin");
        String m1 = Api.user("m1");
        String m2 = Api.user("m2");
        UUID group = api().group(owner, admin, m1, m2);
        promote(group, admin);

        expectProblem(calls().remove(m1, group, m2), 403, "forbidden_role");
        expectProblem(calls().remove(admin, group, owner), 403, "forbidden_role");
        expectProblem(calls().remove(admin, group, Api.user("stranger")), 404, "participant_not_found");
        expectProblem(calls().remove(Api.user("mallory"), group, m1), 404, "not_a_participant");

        calls().remove(admin, group, m1).expectStatus().isNoContent().expectBody().isEmpty();
        expectProblem(api().get(m1, "/api/v1/conversations/" + group), 404, "not_a_participant");
        expectProblem(calls().remove(m1, group, m1), 404, "not_a_participant"); // gone already
        calls().remove(owner, group, admin).expectStatus().isNoContent();

        JsonNode view = calls().get(owner, group);
        assertThat(roles(view)).containsExactlyInAnyOrderEntriesOf(Map.of(owner, "owner", m2, "member"));
        assertThat(view.get("participant_count").asInt()).isEqualTo(2);
    }

    @Test
    void anyoneMayLeaveButDirectConversationsCannotBeLeft() {
        String owner = Api.user("owner");
        String member = Api.user("member");
        UUID group = api().group(owner, member);
        UUID direct = api().direct(owner, member);

        calls().remove(member, group, member).expectStatus().isNoContent();
        expectProblem(api().get(member, "/api/v1/conversations/" + group), 404, "not_a_participant");
        assertThat(calls().listOk(member, "").get("conversations")).extracting(c -> c.get("id").asString())
                .containsExactly(direct.toString());

        expectProblem(calls().remove(owner, direct, member), 400, "not_a_group");
        expectProblem(calls().remove(owner, direct, owner), 400, "not_a_group");
        expectProblem(calls().remove(owner, UUID.randomUUID(), owner), 404, "not_a_participant");
    }

    @Test
    void whenTheOwnerLeavesTheLongestStandingAdminTakesOver() {
        String owner = Api.user("owner");
        String early = Api.user("early");
        UUID group = api().group(owner, early);
        afterThisMillisecond(calls().get(owner, group).get("created_at"));
        String admin = Api.user("zz-late-admin");
        String laterAdmin = Api.user("aa-later-admin");
        calls().add(owner, group, List.of(admin)).expectStatus().isOk();
        afterThisMillisecond(joinedAt(calls().get(owner, group), admin));
        calls().add(owner, group, List.of(laterAdmin)).expectStatus().isOk();
        promote(group, admin);
        promote(group, laterAdmin);

        calls().remove(owner, group, owner).expectStatus().isNoContent();

        assertThat(roles(calls().get(early, group))).containsExactlyInAnyOrderEntriesOf(
                Map.of(early, "member", admin, "owner", laterAdmin, "admin"));
    }

    @Test
    void whenTheOwnerLeavesAGroupWithoutAdminsTheLongestStandingMemberTakesOver() {
        String owner = Api.user("owner");
        String first = Api.user("zz-first");
        UUID group = api().group(owner, first);
        afterThisMillisecond(calls().get(owner, group).get("created_at"));
        String later = Api.user("aa-later"); // sorts first by id: joined_at decides, not the id
        calls().add(owner, group, List.of(later)).expectStatus().isOk();

        calls().remove(owner, group, owner).expectStatus().isNoContent();

        JsonNode view = calls().get(first, group);
        assertThat(roles(view)).containsExactlyInAnyOrderEntriesOf(Map.of(first, "owner", later, "member"));
        // the new owner may do what owners do
        calls().rename(first, group, "mine").expectStatus().isOk();
        expectProblem(calls().remove(later, group, first), 403, "forbidden_role");
    }

    // ---- participants paging

    @Test
    void participantsArePagedForAnySize() {
        String owner = Api.user("owner");
        String[] members = IntStream.range(0, 120).mapToObj(i -> Api.user("m" + i)).toArray(String[]::new);
        UUID group = api().group(owner, members);
        afterThisMillisecond(calls().get(owner, group).get("created_at"));
        List<String> later = List.of(Api.user("late1"), Api.user("late2"), Api.user("late3"));
        calls().add(owner, group, later).expectStatus().isOk();

        assertThat(calls().get(owner, group).get("participants").isNull()).isTrue(); // above 100: not inline
        List<JsonNode> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = ConversationCalls.body(calls().participants(owner, group,
                    "?limit=50" + (cursor == null ? "" : "&cursor=" + cursor)).expectStatus().isOk());
            assertThat(page.propertyNames()).containsExactlyInAnyOrder("participants", "next_cursor");
            page.get("participants").forEach(seen::add);
            sizes.add(page.get("participants").size());
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asString();
        } while (cursor != null);

        assertThat(sizes).containsExactly(50, 50, 24);
        List<String> ids = seen.stream().map(p -> p.get("user_id").asString()).toList();
        assertThat(ids).doesNotHaveDuplicates().hasSize(124).contains(owner).contains(members).containsAll(later);
        assertThat(ids.subList(121, 124)).containsExactlyInAnyOrderElementsOf(later); // longest-standing first
        assertThat(seen.getFirst().propertyNames()).containsExactlyInAnyOrder("user_id", "role", "joined_at");
        assertThat(seen.stream().map(p -> Instant.parse(p.get("joined_at").asString())).toList())
                .isSortedAccordingTo(Instant::compareTo);

        JsonNode defaultPage = ConversationCalls.body(calls().participants(later.get(0), group, "").expectStatus().isOk());
        assertThat(defaultPage.get("participants")).hasSize(100);
        expectProblem(calls().participants(owner, group, "?limit=0"), 400, "invalid_parameter");
        expectProblem(calls().participants(owner, group, "?limit=501"), 400, "invalid_parameter");
        expectProblem(calls().participants(owner, group, "?cursor=nope"), 400, "invalid_cursor");
        expectProblem(calls().participants(Api.user("mallory"), group, ""), 404, "not_a_participant");
        expectProblem(calls().participants(owner, UUID.randomUUID(), ""), 404, "not_a_participant");
    }

    // ---- settings

    @Test
    void muteTurnsPushOffForThatRecipientOnlyUntilUnmuted() {
        String alice = Api.user("alice");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        UUID group = api().group(alice, bob, carol);
        Instant until = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);

        JsonNode muted = ConversationCalls.body(calls().settings(bob, group, Map.of("muted_until", until.toString()))
                .expectStatus().isOk());
        assertThat(Instant.parse(muted.get("muted_until").asString())).isEqualTo(until);
        assertThat(calls().get(carol, group).get("muted_until").isNull()).isTrue();
        JsonNode first = api().send(alice, group, "while bob is muted");

        assertThat(recipientsOf(group, first)).containsExactlyInAnyOrder(
                new Recipient(alice, false), new Recipient(bob, false), new Recipient(carol, true));

        JsonNode unmuted = ConversationCalls.body(calls().settings(bob, group, "{\"muted_until\": null}")
                .expectStatus().isOk());
        assertThat(unmuted.get("muted_until").isNull()).isTrue();
        JsonNode second = api().send(alice, group, "bob hears this");
        assertThat(recipientsOf(group, second)).contains(new Recipient(bob, true));

        // a time in the past mutes nothing
        calls().settings(bob, group, Map.of("muted_until", "2020-01-01T00:00:00.000Z")).expectStatus().isOk();
        JsonNode third = api().send(alice, group, "still heard");
        assertThat(recipientsOf(group, third)).contains(new Recipient(bob, true));

        // settings are the caller's own: no event to others (the one conversation.updated is the group's creation;
        // an event of the settings changes would have come before the third message, in the same partition)
        assertThat(probe.eventsOf(group)).extracting(ChatEvent::type)
                .containsExactly("conversation.updated", "message.created", "message.created", "message.created");
    }

    @Test
    void settingsErrors() {
        String alice = Api.user("alice");
        UUID direct = api().direct(alice, Api.user("bob"));

        calls().settings(alice, direct, Map.of("muted_until", "2099-01-01T00:00:00.000Z")).expectStatus().isOk();
        expectProblem(calls().settings(Api.user("mallory"), direct, Map.of("muted_until", "2099-01-01T00:00:00.000Z")),
                404, "not_a_participant");
        expectProblem(calls().settings(alice, UUID.randomUUID(), "{\"muted_until\": null}"), 404, "not_a_participant");
        expectProblem(calls().settings(alice, direct, Map.of("muted_until", "tomorrow")), 400, "malformed_request");
        expectProblem(calls().settings(alice, direct, Map.of("notify", "sometimes")), 400, "invalid_notify");
        expectProblem(calls().settings(alice, direct, Map.of("notify", 3)), 400, "malformed_request");
        // the settings PUT merges: what is left out stays as it is
        JsonNode unchanged = ConversationCalls.body(calls().settings(alice, direct, Map.of()).expectStatus().isOk());
        assertThat(unchanged.get("muted_until").asString()).isEqualTo("2099-01-01T00:00:00.000Z");
        assertThat(unchanged.get("notify").asString()).isEqualTo("all");
    }

    // ---- helpers

    private List<Recipient> recipientsOf(UUID conversation, JsonNode message) {
        long seq = message.get("seq").asLong();
        await().atMost(Duration.ofSeconds(20)).until(() -> probe.eventsOf(conversation).stream()
                .anyMatch(e -> Long.valueOf(seq).equals(e.seq())));
        return probe.eventsOf(conversation).stream()
                .filter(e -> "message.created".equals(e.type()) && Long.valueOf(seq).equals(e.seq()))
                .findFirst().orElseThrow().recipients();
    }

    private void promote(UUID conversation, String user) {
        long updated = db.sql("UPDATE participants SET role = 'admin' WHERE conversation_id = :cid AND user_id = :user")
                .bind("cid", conversation)
                .bind("user", user)
                .fetch().rowsUpdated().block();
        assertThat(updated).isEqualTo(1);
    }

    private static Map<String, String> roles(JsonNode view) {
        Map<String, String> roles = new HashMap<>();
        StreamSupport.stream(view.get("participants").spliterator(), false)
                .forEach(p -> roles.put(p.get("user_id").asString(), p.get("role").asString()));
        return roles;
    }

    private static JsonNode joinedAt(JsonNode view, String user) {
        return StreamSupport.stream(view.get("participants").spliterator(), false)
                .filter(p -> p.get("user_id").asString().equals(user))
                .findFirst().orElseThrow().get("joined_at");
    }

    /** Waits until the clock is past this timestamp's millisecond, so the next change gets a later one. */
    private static void afterThisMillisecond(JsonNode timestamp) {
        Instant at = Instant.parse(timestamp.asString());
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> Instant.now().isAfter(at.plusMillis(1)));
    }
}
