package dev.chat.notification.decision;

/** The start of a message's content as an alert shows it: whole code points, whitespace collapsed. */
record Preview(String text, boolean truncated) {

    static Preview of(String content, int maxCodePoints) {
        if (content == null) {
            return new Preview("", false);
        }
        String collapsed = content.strip().replaceAll("\\s+", " ");
        if (collapsed.codePointCount(0, collapsed.length()) <= maxCodePoints) {
            return new Preview(collapsed, false);
        }
        int end = collapsed.offsetByCodePoints(0, maxCodePoints);
        return new Preview(collapsed.substring(0, end).stripTrailing(), true);
    }
}
