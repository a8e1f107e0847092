package dev.chat.notification.decision;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where due decisions go: the push dispatcher. Called on the Kafka Streams thread, so it must not block:
 * it starts the sends and reports each message's result later, from any thread.
 */
public interface DueDecisions {

    /** How many more messages may be handed over now (bounded in-flight work). */
    int capacity();

    void dispatch(List<PendingPush> due, Consumer<DecisionResult> onResult);
}
