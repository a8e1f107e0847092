package dev.chat.websocket.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;

class ChatEventsConsumerTest {

    @Test
    void consumerNeverJoinsAGroupNorCommits() {
        ConsumerFactory<String, String> factory = ChatEventsConsumer.consumerFactory(Map.of(
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
        ChatEventsConsumer.State state = new ChatEventsConsumer.State();
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
}
