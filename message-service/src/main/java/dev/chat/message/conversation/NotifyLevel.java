package dev.chat.message.conversation;

import java.util.Set;

/**
 * Which messages of a conversation push to a participant: {@code all}, {@code mentions} (only messages
 * that mention them) or {@code none}. A participant who never chose has the default for the
 * conversation's size: {@code all}, and {@code mentions} in large groups (as Slack and Discord do), so
 * that one message in a 10,000-member group does not mean 10,000 pushes.
 */
public final class NotifyLevel {

    public static final String ALL = "all";
    public static final String MENTIONS = "mentions";
    public static final String NONE = "none";
    static final Set<String> VALUES = Set.of(ALL, MENTIONS, NONE);

    private NotifyLevel() {
    }

    /** The level that applies: the participant's own choice, else the default for this many members. */
    public static String effective(String chosen, long members, int largeGroupThreshold) {
        return chosen != null ? chosen : members > largeGroupThreshold ? MENTIONS : ALL;
    }

    /** Whether a message pushes at this level. */
    public static boolean pushes(String level, boolean mentioned) {
        return switch (level) {
            case ALL -> true;
            case MENTIONS -> mentioned;
            default -> false;
        };
    }
}
