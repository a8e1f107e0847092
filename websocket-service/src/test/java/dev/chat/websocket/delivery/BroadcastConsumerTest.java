package dev.chat.websocket.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;

class BroadcastConsumerTest {

    @Test
    void consumerNeverJoinsAGroupNorCommits() {
        ConsumerFactory<String, String> factory = BroadcastConsumer.consumerFactory(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
                ConsumerConfig.GROUP_ID_CONFIG, "someone-set-this",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));

        assertThat(factory.getConfigurationProperties())
                .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG)
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest")
                .containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
    }

    @Test
    void readyOnlyOnceEveryRecordedPartitionIsAssigned() {
        BroadcastConsumer.State state = new BroadcastConsumer.State();
        TopicPartition p0 = new TopicPartition("chat.events", 0);
        TopicPartition p1 = new TopicPartition("chat.events", 1);
        assertThat(state.isAssigned()).isFalse();

        state.discovered(Map.of(p0, 5L, p1, 7L));
        assertThat(state.isAssigned()).isFalse();

        state.assigned(Map.of(p0, 5L));
        assertThat(state.isAssigned()).isFalse();

        state.assigned(Map.of(p0, 5L, p1, 7L));
        assertThat(state.isAssigned()).isTrue();

        state.stopped();
        assertThat(state.isAssigned()).isFalse();
    }

    @Test
    void readyOnlyOnceTheRevocationsAreReadUpToTheEndRecordedAtStart() {
        BroadcastConsumer.State state = new BroadcastConsumer.State();
        TopicPartition events = new TopicPartition("chat.events", 0);
        TopicPartition updates = new TopicPartition("chat.presence.updates", 0);
        TopicPartition revocations0 = new TopicPartition("chat.revocations", 0);
        TopicPartition revocations1 = new TopicPartition("chat.revocations", 1);
        TopicPartition emptyRevocations = new TopicPartition("chat.revocations", 2);
        state.discovered(Map.of(events, 5L, updates, 2L, revocations0, 3L, revocations1, 1L, emptyRevocations, 0L));

        // positioned at the beginning of the revocations
        state.assigned(Map.of(events, 5L, updates, 2L, revocations0, 0L, revocations1, 0L, emptyRevocations, 0L));
        assertThat(state.isAssigned()).isTrue();
        assertThat(state.isReady()).isFalse();

        state.reached(revocations0, 3);
        assertThat(state.isReady()).isFalse();
        state.reached(revocations1, 1);
        assertThat(state.isReady()).isTrue();
    }

    @Test
    void revocationsAlreadyPositionedAtTheirEndAreReadAtOnce() {
        BroadcastConsumer.State state = new BroadcastConsumer.State();
        TopicPartition revocations = new TopicPartition("chat.revocations", 0);
        state.discovered(Map.of(revocations, 4L));

        // everything before offset 4 was deleted: the beginning is the end
        state.assigned(Map.of(revocations, 4L));

        assertThat(state.isReady()).isTrue();
    }
}
