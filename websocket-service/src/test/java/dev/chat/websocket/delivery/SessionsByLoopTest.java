package dev.chat.websocket.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

class SessionsByLoopTest {

    private final Executor loopA = Runnable::run;
    private final Executor loopB = Runnable::run;
    /** session name -> its loop (null: none) */
    private final Map<String, Executor> loops = new java.util.HashMap<>(Map.of("a1", loopA, "a2", loopA, "a3", loopA,
            "b1", loopB, "b2", loopB));
    private final SessionsByLoop<String> sessions = new SessionsByLoop<>(loops::get);

    @Test
    void groupsSessionsByTheirLoopInSubscriptionOrder() {
        List.of("a1", "b1", "a2", "b2", "a3").forEach(sessions::add);

        assertThat(sessions.size()).isEqualTo(5);
        assertThat(sessions.batches()).containsExactly(new SessionsByLoop.Batch<>(loopA, List.of("a1", "a2", "a3")),
                new SessionsByLoop.Batch<>(loopB, List.of("b1", "b2")));
    }

    @Test
    void sessionsWithoutALoopFormABatchOfTheirOwn() {
        loops.put("x", null);
        sessions.add("x");
        sessions.add("a1");

        assertThat(sessions.batches()).containsExactly(new SessionsByLoop.Batch<>(null, List.of("x")),
                new SessionsByLoop.Batch<>(loopA, List.of("a1")));
    }

    @Test
    void addingTwiceOrRemovingAStrangerChangesNothing() {
        assertThat(sessions.add("a1")).isTrue();
        assertThat(sessions.add("a1")).isFalse();
        assertThat(sessions.remove("b1")).isFalse();
        assertThat(sessions.size()).isEqualTo(1);
    }

    @Test
    void aStableSetIsNotCopiedPerEventAndAChangeMakesANewSnapshotLeavingTheOldOneAlone() {
        List.of("a1", "a2", "b1").forEach(sessions::add);
        List<SessionsByLoop.Batch<String>> first = sessions.batches();
        assertThat(sessions.batches()).isSameAs(first);

        sessions.remove("a1");
        sessions.add("b2");
        List<SessionsByLoop.Batch<String>> second = sessions.batches();

        assertThat(second).isNotSameAs(first)
                .containsExactly(new SessionsByLoop.Batch<>(loopA, List.of("a2")),
                        new SessionsByLoop.Batch<>(loopB, List.of("b1", "b2")));
        // an event already under way keeps the sessions it was given
        assertThat(first.getFirst().sessions()).containsExactly("a1", "a2");
    }

    @Test
    void aLoopWhoseLastSessionLeftHasNoBatchAndTheSetEmpties() {
        sessions.add("a1");
        sessions.add("b1");
        sessions.remove("a1");
        assertThat(sessions.batches()).extracting(SessionsByLoop.Batch::loop).containsExactly(loopB);

        sessions.remove("b1");
        assertThat(sessions.isEmpty()).isTrue();
        assertThat(sessions.batches()).isEmpty();
    }
}
