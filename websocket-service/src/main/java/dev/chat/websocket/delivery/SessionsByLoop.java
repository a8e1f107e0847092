package dev.chat.websocket.delivery;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The sessions subscribed to one conversation, grouped by the event loop that writes their sockets, so that an
 * event is one task per loop instead of one hand-off per session. Kept current as sessions subscribe and
 * unsubscribe; what an event reads ({@link #batches}) is an immutable snapshot, rebuilt only after a change,
 * so a stable group costs no copy per event. Not thread-safe: guarded by the subscriptions' lock; a snapshot
 * may be used outside it.
 *
 * @param <S> the session type; {@code loopOf} gives its loop, or null (delivered on the caller's thread)
 */
final class SessionsByLoop<S> {

    /** One loop's sessions at one moment; {@code loop} is null for sessions without one. */
    record Batch<S>(Executor loop, List<S> sessions) {
    }

    private final Function<S, Executor> loopOf;
    /** A handful of loops (the server's event loop group): a list is enough. */
    private final List<Group<S>> groups = new ArrayList<>(4);
    private List<Batch<S>> snapshot;
    private int size;

    SessionsByLoop(Function<S, Executor> loopOf) {
        this.loopOf = loopOf;
    }

    boolean add(S session) {
        Executor loop = loopOf.apply(session);
        Group<S> group = group(loop);
        if (group == null) {
            group = new Group<>(loop);
            groups.add(group);
        }
        if (!group.members.add(session)) {
            return false;
        }
        size++;
        snapshot = null;
        return true;
    }

    boolean remove(S session) {
        Group<S> group = group(loopOf.apply(session));
        if (group == null || !group.members.remove(session)) {
            return false;
        }
        if (group.members.isEmpty()) {
            groups.remove(group);
        }
        size--;
        snapshot = null;
        return true;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** One batch per loop, in subscription order within a loop; the same list until the next change. */
    List<Batch<S>> batches() {
        List<Batch<S>> batches = snapshot;
        if (batches == null) {
            List<Batch<S>> built = new ArrayList<>(groups.size());
            for (Group<S> group : groups) {
                built.add(new Batch<>(group.loop, List.copyOf(group.members)));
            }
            batches = List.copyOf(built);
            snapshot = batches;
        }
        return batches;
    }

    private Group<S> group(Executor loop) {
        for (Group<S> group : groups) {
            if (Objects.equals(group.loop, loop)) {
                return group;
            }
        }
        return null;
    }

    private static final class Group<S> {

        final Executor loop;
        final LinkedHashSet<S> members = new LinkedHashSet<>();

        Group(Executor loop) {
            this.loop = loop;
        }
    }
}
