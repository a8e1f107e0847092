package dev.chat.websocket.session;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One connected device: its identity, its bounded outbound queue and how it ends.
 *
 * <p>Frames are emitted from several threads (the Kafka consumer, the connection's event loop, timers),
 * so every emission goes through {@link #send} under the session's lock, which only guards a
 * non-blocking queue offer. A full queue means the client cannot keep up: it is closed with 1013 and
 * its queued frames are dropped (it reconnects and syncs).
 *
 * <p>Two ways to close: {@link #closeAfterDrain} lets queued frames go out first (token expiry,
 * bad frames, shutdown); {@link #closeNow} drops them (too slow, dead, already gone). Either way the
 * handler sends the close frame once the outbound stream has completed.
 */
final class ChatSession {

    private final String id;
    private final String userId;
    private final Instant expiresAt;
    private final Sinks.Many<OutboundFrame> outbound;
    private final Sinks.One<Boolean> abort = Sinks.one();
    private final Sinks.One<CloseStatus> closing = Sinks.one();
    private final AtomicReference<CloseStatus> closeStatus = new AtomicReference<>();
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean aborted;
    /** Only touched by the connection's inbound thread. */
    private int badFrames;

    ChatSession(String id, String userId, Instant expiresAt, int outboundBuffer) {
        this.id = id;
        this.userId = userId;
        this.expiresAt = expiresAt;
        this.outbound = Sinks.many().unicast().onBackpressureBuffer(new ArrayBlockingQueue<>(outboundBuffer));
    }

    String id() {
        return id;
    }

    String userId() {
        return userId;
    }

    Instant expiresAt() {
        return expiresAt;
    }

    /**
     * Queues a frame. Never blocks. Returns false when the session is closing, or when the queue is
     * full, in which case the session is closed with 1013.
     */
    boolean send(OutboundFrame frame) {
        synchronized (this) {
            if (closeStatus.get() != null) {
                return false;
            }
            Sinks.EmitResult result = outbound.tryEmitNext(frame);
            if (result.isSuccess()) {
                return true;
            }
            // a full queue: FAIL_OVERFLOW, or FAIL_ZERO_SUBSCRIBER before the socket subscribed
            if (result != Sinks.EmitResult.FAIL_OVERFLOW && result != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
                return false;
            }
        }
        closeNow(CloseCodes.TOO_SLOW);
        return false;
    }

    /** Closes after the frames already queued have been written. */
    void closeAfterDrain(CloseStatus status) {
        synchronized (this) {
            if (!closeStatus.compareAndSet(null, status)) {
                return;
            }
        }
        // outside the lock (completing may run the socket's close inline): once the status is set no
        // other thread emits, so this is still the last signal of the queue
        outbound.tryEmitComplete();
        closing.tryEmitValue(status);
    }

    /** Closes without writing what is still queued. */
    void closeNow(CloseStatus status) {
        boolean first;
        synchronized (this) {
            first = closeStatus.compareAndSet(null, status);
            if (aborted) {
                return;
            }
            aborted = true;
        }
        abort.tryEmitValue(Boolean.TRUE);
        if (first) {
            closing.tryEmitValue(status);
        }
    }

    /** The frames to write, completing when the session closes (at once for {@link #closeNow}). */
    Flux<OutboundFrame> outbound() {
        return outbound.asFlux().takeUntilOther(abort.asMono());
    }

    /** Emits the close status once a close is requested. */
    Mono<CloseStatus> closeRequested() {
        return closing.asMono();
    }

    /** The status the session is closing with; null while open. */
    CloseStatus closeStatus() {
        return closeStatus.get();
    }

    /** Whether the session was closed without writing what was queued ({@link #closeNow}). */
    boolean isAborted() {
        return aborted;
    }

    boolean isClosing() {
        return closeStatus.get() != null;
    }

    /** Any inbound frame (pong included) proves the client is alive. */
    void touch() {
        lastActivityNanos = System.nanoTime();
    }

    /** One heartbeat tick: closes a connection silent for two heartbeats, otherwise pings it. */
    void heartbeat(Duration interval) {
        long silentNanos = System.nanoTime() - lastActivityNanos;
        if (silentNanos >= 2 * interval.toNanos()) {
            closeNow(CloseCodes.HEARTBEAT_TIMEOUT);
        } else {
            send(OutboundFrame.Ping.INSTANCE);
        }
    }

    /** Counts a malformed or unknown frame and returns how many this connection has sent. */
    int recordBadFrame() {
        return ++badFrames;
    }

    @Override
    public String toString() {
        return "ChatSession[" + id + ", user " + userId + "]";
    }
}
