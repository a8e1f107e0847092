package dev.chat.notification.push;

import java.util.concurrent.CompletableFuture;

/** One provider. {@link #send} never blocks the caller and never completes exceptionally. */
interface PushSender extends AutoCloseable {

    /** {@code fcm} or {@code apns}: the {@code provider} tag of the metrics. */
    String provider();

    CompletableFuture<SendResult> send(PushNotification notification);

    @Override
    void close();
}
