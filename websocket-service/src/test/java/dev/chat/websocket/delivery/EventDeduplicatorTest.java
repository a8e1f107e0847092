package dev.chat.websocket.delivery;

import static dev.chat.websocket.support.ChatEvents.conversationUpdated;
import static dev.chat.websocket.support.ChatEvents.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.chat.shared.event.ChatEvent;

class EventDeduplicatorTest {

    private final EventDeduplicator dedup = new EventDeduplicator(100, 100);

    @Test
    void messageIsNewOnlyAboveTheHighestDeliveredSeqOfItsConversation() {
        UUID conversation = UUID.randomUUID();
        UUID other = UUID.randomUUID();

        assertThat(dedup.firstTime(message(conversation, 1, "a", "a"))).isTrue();
        assertThat(dedup.firstTime(message(conversation, 1, "a", "a"))).isFalse();
        assertThat(dedup.firstTime(message(conversation, 3, "a", "a"))).isTrue();
        assertThat(dedup.firstTime(message(conversation, 2, "a", "a"))).isFalse();
        assertThat(dedup.firstTime(message(other, 1, "a", "a"))).isTrue();
    }

    @Test
    void otherEventsAreNewOnlyOncePerEventId() {
        UUID conversation = UUID.randomUUID();
        ChatEvent update = conversationUpdated(UUID.randomUUID(), conversation, List.of("x"), "a");

        assertThat(dedup.firstTime(update)).isTrue();
        assertThat(dedup.firstTime(update)).isFalse();
        assertThat(dedup.firstTime(conversationUpdated(UUID.randomUUID(), conversation, List.of("x"), "a"))).isTrue();
    }

    @Test
    void memoryIsBounded() {
        EventDeduplicator small = new EventDeduplicator(10, 10);
        for (int i = 0; i < 2_000; i++) {
            small.firstTime(message(UUID.randomUUID(), 1, "a", "a"));
            small.firstTime(conversationUpdated(UUID.randomUUID(), UUID.randomUUID(), List.of(), "a"));
        }
        // nothing to assert on size directly: Caffeine evicts asynchronously; this must simply not grow without bound
        UUID conversation = UUID.randomUUID();
        assertThat(small.firstTime(message(conversation, 5, "a", "a"))).isTrue();
        assertThat(small.firstTime(message(conversation, 5, "a", "a"))).isFalse();
    }
}
