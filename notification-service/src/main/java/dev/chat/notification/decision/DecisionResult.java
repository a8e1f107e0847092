package dev.chat.notification.decision;

/**
 * What became of a due decision handed to {@link DueDecisions}: done (every device of every user was
 * pushed, found invalid or dead-lettered; the entry is deleted), or to be taken again at {@code retryAt}
 * (epoch millis: a device was claimed by another instance, or the database was unreachable).
 */
public record DecisionResult(String key, Long retryAt) {

    public static DecisionResult done(String key) {
        return new DecisionResult(key, null);
    }

    public static DecisionResult retryAt(String key, long at) {
        return new DecisionResult(key, at);
    }

    boolean isDone() {
        return retryAt == null;
    }
}
