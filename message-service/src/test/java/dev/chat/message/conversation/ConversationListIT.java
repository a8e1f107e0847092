package dev.chat.message.conversation;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import tools.jackson.databind.JsonNode;

@MessageServiceIT
class ConversationListIT {

    @Autowired
    WebTestClient client;

    @Autowired
    DatabaseClient db;

    Api api() {
        return new Api(client);
    }

    ConversationCalls calls() {
        return new ConversationCalls(client);
    }

    @Test
    void mostRecentActivityFirstWithEachItemsOwnUnreadCountAndLastMessage() {
        String me = Api.user("me");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        UUID withBob = api().direct(me, bob);
        UUID team = api().group(me, bob, carol);
        UUID withCarol = api().direct(carol, me);

        afterThisMillisecond(api().send(bob, withBob, "from bob"));
        api().send(carol, withCarol, "carol 1");
        afterThisMillisecond(api().send(carol, withCarol, "carol 2"));
        api().send(me, team, "from me");

        JsonNode page = calls().listOk(me, "");
        assertThat(page.propertyNames()).containsExactlyInAnyOrder("conversations", "next_cursor");
        assertThat(page.get("next_cursor").isNull()).isTrue();
        assertThat(ids(page)).containsExactly(team, withCarol, withBob);

        JsonNode first = page.get("conversations").get(0);
        // every item is the whole Conversation object, as GET /conversations/{id} returns it
        assertThat(first).isEqualTo(calls().get(me, team));
        assertThat(first.get("last_message").get("content").asString()).isEqualTo("from me");
        assertThat(first.get("unread_count").asLong()).isZero(); // my own message
        assertThat(first.get("participants")).hasSize(3);
        JsonNode second = page.get("conversations").get(1);
        assertThat(second.get("last_message").get("content").asString()).isEqualTo("carol 2");
        assertThat(second.get("unread_count").asLong()).isEqualTo(2);
        assertThat(second.get("last_seq").asLong()).isEqualTo(2);
        JsonNode third = page.get("conversations").get(2);
        assertThat(third.get("last_message").get("content").asString()).isEqualTo("from bob");
        assertThat(third.get("unread_count").asLong()).isEqualTo(1);
        assertThat(third.get("my_read_seq").asLong()).isZero();
        assertThat(third.get("muted_until").isNull()).isTrue();

        // the same conversations seen by carol carry carol's counts
        JsonNode carols = calls().listOk(carol, "");
        assertThat(ids(carols)).containsExactly(team, withCarol);
        assertThat(carols.get("conversations").get(0).get("unread_count").asLong()).isEqualTo(1);
        assertThat(carols.get("conversations").get(1).get("unread_count").asLong()).isZero();
    }

    @Test
    void pagesWithTheCursorReachEveryConversationOnceInOrder() {
        String me = Api.user("me");
        List<UUID> all = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            all.add(api().direct(me, Api.user("peer" + i)));
        }
        // ties on last_activity_at are broken by id: give ten of them the very same instant
        db.sql("UPDATE conversations SET last_activity_at = :at WHERE id = ANY(:ids)")
                .bind("at", Instant.parse("2026-01-01T00:00:00.000Z"))
                .bind("ids", all.subList(5, 15).toArray(UUID[]::new))
                .then().block();

        List<JsonNode> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = calls().listOk(me, "?limit=7" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("conversations").forEach(seen::add);
            pageSizes.add(page.get("conversations").size());
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asString();
        } while (cursor != null);

        assertThat(pageSizes).containsExactly(7, 7, 7, 4);
        List<UUID> seenIds = seen.stream().map(c -> UUID.fromString(c.get("id").asString())).toList();
        assertThat(seenIds).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
        Comparator<JsonNode> activityFirst = Comparator
                .comparing((JsonNode c) -> Instant.parse(c.get("last_activity_at").asString()))
                .thenComparing(c -> UUID.fromString(c.get("id").asString()), ConversationListIT::compareLikePostgres)
                .reversed();
        assertThat(seen).isSortedAccordingTo(activityFirst);

        // the default page size is 20; a page that ends exactly at the end has no next cursor
        JsonNode firstDefault = calls().listOk(me, "");
        assertThat(firstDefault.get("conversations")).hasSize(20);
        assertThat(firstDefault.get("next_cursor").isNull()).isFalse();
        JsonNode exact = calls().listOk(me, "?limit=25");
        assertThat(exact.get("conversations")).hasSize(25);
        assertThat(exact.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void listsOnlyMyConversations() {
        String me = Api.user("me");
        String bob = Api.user("bob");
        UUID mine = api().direct(me, bob);
        api().direct(bob, Api.user("carol"));
        api().group(bob, Api.user("dave"));

        assertThat(ids(calls().listOk(me, ""))).containsExactly(mine);
        JsonNode nobody = calls().listOk(Api.user("newcomer"), "");
        assertThat(nobody.get("conversations")).isEmpty();
        assertThat(nobody.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void largeGroupsListNoParticipantsButTheirCount() {
        String owner = Api.user("owner");
        String[] members = IntStream.range(0, 100).mapToObj(i -> Api.user("m" + i)).toArray(String[]::new);
        UUID big = api().group(owner, members);
        UUID small = api().direct(owner, Api.user("bob"));

        JsonNode page = calls().listOk(owner, "");
        JsonNode bigItem = item(page, big);
        assertThat(bigItem.get("participant_count").asInt()).isEqualTo(101);
        assertThat(bigItem.get("participants").isNull()).isTrue();
        assertThat(item(page, small).get("participants")).hasSize(2);
    }

    @Test
    void badLimitsAndCursorsAreBadRequests() {
        String me = Api.user("me");
        api().direct(me, Api.user("bob"));

        expectProblem(calls().list(me, "?limit=0"), 400, "invalid_parameter");
        expectProblem(calls().list(me, "?limit=101"), 400, "invalid_parameter");
        expectProblem(calls().list(me, "?limit=ten"), 400, "malformed_request");
        calls().list(me, "?limit=100").expectStatus().isOk();
        calls().list(me, "?limit=1").expectStatus().isOk();

        expectProblem(calls().list(me, "?cursor=garbage!"), 400, "invalid_cursor");
        expectProblem(calls().list(me, "?cursor=" + UUID.randomUUID()), 400, "invalid_cursor");
        String participantsCursor = PageCursor.participants(Instant.now(), me).encode();
        expectProblem(calls().list(me, "?cursor=" + participantsCursor), 400, "invalid_cursor");
    }

    /** Waits (without sleeping blindly) until the clock is past this message's millisecond. */
    private static void afterThisMillisecond(JsonNode message) {
        Instant createdAt = Instant.parse(message.get("created_at").asString());
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> Instant.now().isAfter(createdAt.plusMillis(1)));
    }

    private static List<UUID> ids(JsonNode page) {
        return StreamSupport.stream(page.get("conversations").spliterator(), false)
                .map(c -> UUID.fromString(c.get("id").asString()))
                .toList();
    }

    private static JsonNode item(JsonNode page, UUID id) {
        return StreamSupport.stream(page.get("conversations").spliterator(), false)
                .filter(c -> c.get("id").asString().equals(id.toString()))
                .findFirst().orElseThrow();
    }

    /** PostgreSQL orders uuids by their bytes, unsigned; Java's UUID.compareTo is signed. */
    private static int compareLikePostgres(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }
}
