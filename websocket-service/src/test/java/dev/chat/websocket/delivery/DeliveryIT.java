package dev.chat.websocket.delivery;

import static dev.chat.websocket.support.ChatEvents.conversationUpdated;
import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.messageWithContent;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** Events from chat.events reach every connected device of every recipient, once, in seq order. */
class DeliveryIT extends WebSocketTestBase {

    @Test
    void everyDeviceOfEveryRecipientReceivesMessagesInSeqOrder() {
        String alice = user("alice");
        String bob = user("bob");
        UUID conversation = UUID.randomUUID();
        WsClient alicePhone = device(alice);
        WsClient aliceLaptop = device(alice);
        WsClient bobPhone = device(bob);

        List<ChatEvent> sent = LongStream.rangeClosed(1, 5)
                .mapToObj(seq -> message(conversation, seq, alice, alice, bob))
                .toList();
        events.sendAll(sent);

        for (WsClient device : List.of(alicePhone, aliceLaptop, bobPhone)) {
            List<JsonNode> received = device.awaitFrames("message.created", 5);
            assertThat(received).extracting(f -> f.path("message").path("seq").asLong())
                    .containsExactly(1L, 2L, 3L, 4L, 5L);
            // the frame exactly as message-service wrote it
            assertThat(received.getFirst().toString()).isEqualTo(sent.getFirst().frame().toString());
        }
    }

    @Test
    void senderOtherDeviceReceivesTheMessage() {
        String alice = user("alice");
        String bob = user("bob");
        UUID conversation = UUID.randomUUID();
        WsClient aliceOtherDevice = device(alice);

        events.send(messageWithContent(conversation, 1, alice, "sent from my phone", alice, bob));

        JsonNode frame = aliceOtherDevice.awaitFrame("message.created");
        assertThat(frame.path("message").path("sender_id").asString()).isEqualTo(alice);
        assertThat(frame.path("message").path("content").asString()).isEqualTo("sent from my phone");
    }

    @Test
    void nonRecipientReceivesNothing() {
        String alice = user("alice");
        String carol = user("carol");
        UUID conversation = UUID.randomUUID();
        WsClient aliceDevice = device(alice);
        WsClient carolDevice = device(carol);

        // same conversation, so same partition: the second event is delivered after the first
        events.send(messageWithContent(conversation, 1, alice, "before carol joined", alice));
        events.send(conversationUpdated(UUID.randomUUID(), conversation, List.of(carol), alice, carol));

        carolDevice.awaitFrame("conversation.updated");
        aliceDevice.awaitFrame("conversation.updated");
        assertThat(carolDevice.frames()).extracting(f -> f.path("type").asString())
                .containsExactly("session.ready", "conversation.updated");
        assertThat(aliceDevice.frames("message.created")).hasSize(1);
    }

    @Test
    void redeliveredEventsReachADeviceOnce() {
        String alice = user("alice");
        UUID conversation = UUID.randomUUID();
        WsClient device = device(alice);
        UUID firstId = UUID.randomUUID();
        UUID updateId = UUID.randomUUID();
        ChatEvent first = message(firstId, conversation, 1, alice, "one", alice);
        ChatEvent update = conversationUpdated(updateId, conversation, List.of("dave"), alice);

        events.sendAll(List.of(
                first,
                first,                                                           // same event again
                message(UUID.randomUUID(), conversation, 1, alice, "one", alice), // same seq, republished
                message(conversation, 2, alice, alice),
                update,
                update,
                message(conversation, 3, alice, alice)));

        device.awaitFrames("message.created", 3);
        assertThat(device.frames()).extracting(f -> f.path("type").asString() + ":" + f.path("message").path("seq").asLong(0))
                .containsExactly("session.ready:0", "message.created:1", "message.created:2",
                        "conversation.updated:0", "message.created:3");
    }

    @Test
    void unreadableRecordsAreSkippedAndUnknownFieldsIgnored() {
        String alice = user("alice");
        UUID conversation = UUID.randomUUID();
        WsClient device = device(alice);
        String key = conversation.toString();

        events.sendRaw(key, "this is not json");
        events.sendRaw(key, "{\"event_id\": 42, \"recipients\": \"nope\"}");
        events.sendRaw(key, "{\"event_id\": \"" + UUID.randomUUID() + "\", \"type\": \"message.created\"}");
        String withExtraFields = ChatJson.mapper().writeValueAsString(message(conversation, 1, alice, alice))
                .replaceFirst("\\{", "{\"field_from_the_future\":{\"x\":1},");
        events.sendRaw(key, withExtraFields);

        JsonNode frame = device.awaitFrame("message.created");
        assertThat(frame.path("message").path("seq").asLong()).isEqualTo(1);
    }
}
