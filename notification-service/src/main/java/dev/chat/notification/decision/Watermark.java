package dev.chat.notification.decision;

/**
 * The highest seq any device of a user acked ({@code delivered}) and read in one conversation, as far as
 * this service has heard ({@code push-watermarks} store). A message at or below either is never pushed.
 *
 * @param updatedAt epoch millis of the last change; entries quiet for {@code chat.push.watermark-retention} are dropped
 */
record Watermark(long delivered, long read, long updatedAt) {

    long covered() {
        return Math.max(delivered, read);
    }
}
