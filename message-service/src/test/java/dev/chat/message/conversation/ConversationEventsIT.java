package dev.chat.message.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import org.apache.kafka.clients.consumer.ConsumerRecord;
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

/** {@code conversation.updated} on chat.events: one delta per change, to the right recipients, in order. */
@MessageServiceIT
class ConversationEventsIT {

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

    Api api() {
        return new Api(client);
    }

    ConversationCalls calls() {
        return new ConversationCalls(client);
    }

    @Test
    void creatingAGroupTellsEveryMembersDevicesInOneEvent() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        UUID group = api().group(owner, bob, carol);

        ChatEvent event = awaitEvents(group, 1).getFirst();

        assertThat(event.type()).isEqualTo("conversation.updated");
        assertThat(event.version()).isEqualTo(1);
        assertThat(event.seq()).isNull();
        assertThat(event.conversationId()).isEqualTo(group);
        assertThat(event.recipients()).containsExactlyInAnyOrder(
                new Recipient(owner, false), new Recipient(bob, false), new Recipient(carol, false));
        JsonNode frame = event.frame();
        assertThat(frame.propertyNames()).containsExactlyInAnyOrder("type", "conversation", "added", "removed");
        assertThat(frame.get("type").asString()).isEqualTo("conversation.updated");
        assertThat(strings(frame.get("added"))).containsExactlyInAnyOrder(owner, bob, carol);
        assertThat(strings(frame.get("removed"))).isEmpty();

        JsonNode conversation = frame.get("conversation");
        JsonNode ownersView = calls().get(owner, group);
        // the whole Conversation object, every field present; one event serves all: no one's own fields
        assertThat(conversation.propertyNames()).containsExactlyInAnyOrderElementsOf(ownersView.propertyNames());
        for (String personal : List.of("unread_count", "my_delivered_seq", "my_read_seq", "muted_until")) {
            assertThat(conversation.get(personal).isNull()).as(personal).isTrue();
        }
        for (String shared : List.of("id", "type", "title", "created_by", "created_at", "participants",
                "participant_count", "last_seq", "last_message", "last_activity_at")) {
            assertThat(conversation.get(shared)).as(shared).isEqualTo(ownersView.get(shared));
        }
    }

    @Test
    void directConversationsEmitNoEventOnCreation() {
        String alice = Api.user("alice");
        UUID direct = api().direct(alice, Api.user("bob"));
        api().send(alice, direct, "hello");

        assertThat(awaitEvents(direct, 1)).extracting(ChatEvent::type).containsExactly("message.created");
    }

    @Test
    void addingTellsEveryoneNowInItIncludingTheNewcomersOnce() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        UUID group = api().group(owner, bob);
        String carol = Api.user("carol");
        String dave = Api.user("dave");

        calls().add(owner, group, List.of(carol, dave, bob)).expectStatus().isOk();

        List<ChatEvent> events = awaitEvents(group, 2);
        ChatEvent added = events.get(1);
        assertThat(added.type()).isEqualTo("conversation.updated");
        assertThat(added.recipients()).containsExactlyInAnyOrder(new Recipient(owner, false),
                new Recipient(bob, false), new Recipient(carol, false), new Recipient(dave, false));
        assertThat(strings(added.frame().get("added"))).containsExactly(carol, dave);
        assertThat(strings(added.frame().get("removed"))).isEmpty();
        assertThat(added.frame().get("conversation").get("participant_count").asInt()).isEqualTo(4);

        // adding only existing members changes nothing and says nothing
        calls().add(owner, group, List.of(bob)).expectStatus().isOk();
        api().send(owner, group, "marker");
        assertThat(awaitEvents(group, 3)).extracting(ChatEvent::type)
                .containsExactly("conversation.updated", "conversation.updated", "message.created");
    }

    @Test
    void renamingTellsAllParticipants() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        UUID group = api().group(owner, bob);

        calls().rename(owner, group, "New name").expectStatus().isOk();
        calls().rename(owner, group, "New name").expectStatus().isOk(); // same title: no change, no event
        api().send(owner, group, "marker");

        List<ChatEvent> events = awaitEvents(group, 3);
        assertThat(events).extracting(ChatEvent::type)
                .containsExactly("conversation.updated", "conversation.updated", "message.created");
        ChatEvent renamed = events.get(1);
        assertThat(renamed.recipients()).containsExactlyInAnyOrder(new Recipient(owner, false), new Recipient(bob, false));
        assertThat(renamed.frame().get("conversation").get("title").asString()).isEqualTo("New name");
        assertThat(strings(renamed.frame().get("added"))).isEmpty();
        assertThat(strings(renamed.frame().get("removed"))).isEmpty();
    }

    @Test
    void theRemovedUserGetsTheRemovalAndNothingAfterIt() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        String carol = Api.user("carol");
        UUID group = api().group(owner, bob, carol);
        api().send(owner, group, "before");

        calls().remove(owner, group, bob).expectStatus().isNoContent();
        api().send(owner, group, "after");

        List<ChatEvent> events = awaitEvents(group, 4);
        assertThat(events).extracting(ChatEvent::type).containsExactly(
                "conversation.updated", "message.created", "conversation.updated", "message.created");
        ChatEvent removal = events.get(2);
        assertThat(removal.recipients()).containsExactlyInAnyOrder(
                new Recipient(owner, false), new Recipient(carol, false), new Recipient(bob, false));
        assertThat(strings(removal.frame().get("removed"))).containsExactly(bob);
        assertThat(strings(removal.frame().get("added"))).isEmpty();
        assertThat(removal.frame().get("conversation").get("participant_count").asInt()).isEqualTo(2);
        assertThat(removal.frame().get("conversation").get("participants")).extracting(p -> p.get("user_id").asString())
                .containsExactlyInAnyOrder(owner, carol);

        assertThat(events.get(1).recipients()).extracting(Recipient::userId).contains(bob);
        assertThat(events.get(3).recipients()).extracting(Recipient::userId)
                .containsExactlyInAnyOrder(owner, carol).doesNotContain(bob);
        // all of one conversation's events share its key, hence one partition and their order
        assertThat(probe.recordsOf(group)).extracting(ConsumerRecord::partition).containsOnly(
                probe.recordsOf(group).getFirst().partition());
    }

    @Test
    void leavingIsARemovalOfYourself() {
        String owner = Api.user("owner");
        String bob = Api.user("bob");
        UUID group = api().group(owner, bob);

        calls().remove(owner, group, owner).expectStatus().isNoContent();

        ChatEvent left = awaitEvents(group, 2).get(1);
        assertThat(left.recipients()).containsExactlyInAnyOrder(new Recipient(owner, false), new Recipient(bob, false));
        assertThat(strings(left.frame().get("removed"))).containsExactly(owner);
        // the frame shows who owns the group now
        assertThat(left.frame().get("conversation").get("participants").get(0).get("role").asString())
                .isEqualTo("owner");
    }

    @Test
    void largeGroupsGetOneSmallDeltaNotTheMemberList() {
        String owner = Api.user("owner");
        String[] members = IntStream.range(0, 150).mapToObj(i -> Api.user("m" + i)).toArray(String[]::new);
        UUID group = api().group(owner, members);
        String newcomer = Api.user("newcomer");

        calls().add(owner, group, List.of(newcomer)).expectStatus().isOk();

        List<ChatEvent> events = awaitEvents(group, 2);
        ChatEvent added = events.get(1);
        assertThat(added.recipients()).hasSize(152);
        assertThat(strings(added.frame().get("added"))).containsExactly(newcomer);
        assertThat(added.frame().get("conversation").get("participants").isNull()).isTrue();
        assertThat(added.frame().get("conversation").get("participant_count").asInt()).isEqualTo(152);
    }

    private List<ChatEvent> awaitEvents(UUID conversation, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> probe.eventsOf(conversation).size() >= count);
        List<ChatEvent> events = probe.eventsOf(conversation);
        assertThat(events).hasSize(count);
        return events;
    }

    private static List<String> strings(JsonNode array) {
        assertThat(array.isArray()).isTrue();
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asString).toList();
    }
}
