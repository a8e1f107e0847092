package dev.chat.websocket.session;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.web.reactive.socket.CloseStatus;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One connected device: its identity, its bounded outbound queue and how it ends.
 *
 * <p>Frames are emitted from several threads (the Kafka consumer, the connection's event loop, HTTP
 * client threads, timers), so every emission goes through {@link #send} or {@link #sendPaced} under the
 * session's lock, which only guards a non-blocking queue offer. A full queue means the client cannot
 * keep up: it is closed with 1013 and its queued frames are dropped (it reconnects and syncs).
 *
 * <p>Answers of many frames (a sync page, the presence state of 500 users) are paced instead
 * ({@link #sendPaced}, {@link #whenDrained}): they take only what the queue can hold while a quarter
 * of it stays free for live frames, and wait for the socket to drain the rest, so that they never
 * overflow the queue on their own.
 *
 * <p>Two ways to close: {@link #closeAfterDrain} lets queued frames go out first (token expiry or
 * revocation, bad frames, shutdown); {@link #closeNow} drops them (too slow, dead, already gone).
 * Either way the handler sends the close frame once the outbound stream has completed.
 */
public final class ChatSession {

    private final String id;
    private final String userId;
    private final String token;
    private final Instant issuedAt;
    private final Instant expiresAt;
    private final BoundedQueue<OutboundFrame> queue;
    private final int reserve;
    private final int drainedThreshold;
    private final Sinks.Many<OutboundFrame> outbound;
    /** The direct way to the socket (large-group fan-out on the event loop); null without a Netty channel. */
    private final ChannelOutlet outlet;
    // each emitted once, by the one thread that set the close status or the abort flag (under this session's
    // lock): no serialising wrapper needed, which an idle session would otherwise carry twice
    private final Sinks.One<Boolean> abort = Sinks.unsafe().one();
    private final Sinks.One<CloseStatus> closing = Sinks.unsafe().one();
    private final AtomicReference<CloseStatus> closeStatus = new AtomicReference<>();
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean aborted;
    /** Paced writers waiting for the socket to drain the queue; guarded by this. */
    private List<MonoSink<Void>> waiters;
    private volatile boolean hasWaiters;
    /** Whether the registry announced this session (presence, listeners); guarded by the registry. */
    boolean announced;
    /** Only touched by the connection's inbound thread. */
    private int badFrames;
    /**
     * The inbound frame-rate limit (a token bucket as GCRA: one long): the {@link System#nanoTime} at which
     * the session's bucket is full again. Only touched by the connection's inbound thread.
     */
    private long frameBucketFullAt = System.nanoTime();

    /**
     * @param token    the verified JWT as the client sent it: the node calls message-service with it, on
     *                 behalf of this user and no one else
     * @param issuedAt the token's {@code iat} (null if it has none), for revocations
     */
    ChatSession(String id, String userId, String token, Instant issuedAt, Instant expiresAt, int outboundBuffer) {
        this(id, userId, token, issuedAt, expiresAt, outboundBuffer, null);
    }

    ChatSession(String id, String userId, String token, Instant issuedAt, Instant expiresAt, int outboundBuffer,
            ChannelOutlet outlet) {
        this.outlet = outlet;
        this.id = id;
        this.userId = userId;
        this.token = token;
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
        this.queue = new BoundedQueue<>(outboundBuffer);
        this.reserve = outboundBuffer / 4;
        this.drainedThreshold = Math.max(1, outboundBuffer / 2);
        this.outbound = Sinks.many().unicast().onBackpressureBuffer(queue);
    }

    /** The connection's outlet; null without a Netty channel. */
    ChannelOutlet outlet() {
        return outlet;
    }

    public String id() {
        return id;
    }

    public String userId() {
        return userId;
    }

    /** The session's own access token (never log it). */
    public String token() {
        return token;
    }

    /** The token's {@code iat}, or null. */
    public Instant issuedAt() {
        return issuedAt;
    }

    Instant expiresAt() {
        return expiresAt;
    }

    /**
     * Queues a frame. Never blocks. Returns false when the session is closing, or when the queue is
     * full, in which case the session is closed with 1013.
     */
    public boolean send(OutboundFrame frame) {
        synchronized (this) {
            if (closeStatus.get() != null) {
                return false;
            }
            Sinks.EmitResult result = outbound.tryEmitNext(frame);
            if (result.isSuccess()) {
                queued(frame);
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

    /** Guarded by this: a text frame went to the sink, the outlet counts it until it reaches the channel. */
    private void queued(OutboundFrame frame) {
        if (outlet != null && frame instanceof OutboundFrame.Text) {
            outlet.queued();
        }
    }

    /**
     * The event loop that writes this session's socket, or null (no Netty channel): large-group events are
     * delivered to the sessions of one loop by one task on it ({@link #deliverOnLoop}).
     */
    public EventLoop eventLoop() {
        return outlet == null ? null : outlet.eventLoop();
    }

    /**
     * Delivers one event frame to sessions that share an event loop, on that loop ({@link #eventLoop}): each
     * session's frame is written to its channel directly when nothing it queued before is still on its way,
     * else queued as by {@link #send} (same order, same bound, same overflow). With 16 sessions or more the
     * payload is copied once into one direct buffer that every session's frame shares.
     *
     * @return how many sessions took it
     */
    public static int deliverOnLoop(List<ChatSession> sessions, OutboundFrame.Text frame) {
        ByteBuf shared = null;
        int taken = 0;
        try {
            for (ChatSession session : sessions) {
                if (shared == null && sessions.size() >= SHARED_PAYLOAD_SESSIONS && session.outlet != null
                        && session.outlet.inEventLoop()) {
                    shared = session.outlet.encodeShared(frame);
                }
                if (session.sendDirect(frame, shared)) {
                    taken++;
                }
            }
        } finally {
            if (shared != null) {
                shared.release();
            }
        }
        return taken;
    }

    /** Sessions from which one payload buffer is shared by all. */
    static final int SHARED_PAYLOAD_SESSIONS = 16;

    /**
     * Writes the frame straight to the channel when on its event loop and nothing queued before it is unwritten
     * (so it overtakes nothing), below the channel's high water mark; otherwise {@link #send}.
     */
    boolean sendDirect(OutboundFrame.Text frame, ByteBuf shared) {
        ChannelOutlet direct = outlet;
        if (direct != null && direct.inEventLoop()) {
            synchronized (this) {
                if (closeStatus.get() != null) {
                    return false;
                }
                if (direct.canWriteNow()) {
                    direct.write(frame, shared);
                    return true;
                }
            }
        }
        return send(frame);
    }

    /**
     * Queues all of {@code frames}, in order, paced: as many as fit while a quarter of the queue stays
     * free for live frames, then the rest as the socket drains it. Never overflows the queue on its own.
     * A client that drains nothing for {@code stallTimeout} is too slow: the session is closed with 1013.
     *
     * @return true once every frame is queued, false if the session closed first
     */
    public Mono<Boolean> sendPaced(List<? extends OutboundFrame> frames, Duration stallTimeout) {
        return Mono.defer(() -> sendPaced(frames, 0, stallTimeout));
    }

    private Mono<Boolean> sendPaced(List<? extends OutboundFrame> frames, int from, Duration stallTimeout) {
        int queued = sendPaced(frames, from);
        if (queued < 0) {
            return Mono.just(false);
        }
        if (from + queued >= frames.size()) {
            return Mono.just(true);
        }
        return whenDrained()
                // released from inside the socket's take of a frame: continue elsewhere, never re-entering the queue
                .publishOn(Schedulers.parallel())
                .timeout(stallTimeout)
                .then(Mono.defer(() -> sendPaced(frames, from + queued, stallTimeout)))
                .onErrorResume(TimeoutException.class, e -> {
                    closeNow(CloseCodes.TOO_SLOW);
                    return Mono.just(false);
                });
    }

    /**
     * Queues {@code frames} from {@code from} on, as many as fit while a quarter of the queue stays free
     * for live frames. Never blocks and never overflows the queue.
     *
     * @return how many were queued (0 when the queue is too full: wait for {@link #whenDrained}), or -1
     *         when the session is closing
     */
    int sendPaced(List<? extends OutboundFrame> frames, int from) {
        synchronized (this) {
            if (closeStatus.get() != null) {
                return -1;
            }
            int room = Math.min(frames.size() - from, queue.remainingCapacity() - reserve);
            int queued = 0;
            while (queued < room && outbound.tryEmitNext(frames.get(from + queued)).isSuccess()) {
                queued(frames.get(from + queued));
                queued++;
            }
            return queued;
        }
    }

    /** Completes once the socket has drained at least half the queue, or the session is closing. */
    Mono<Void> whenDrained() {
        return Mono.create(sink -> {
            synchronized (this) {
                if (closeStatus.get() == null && queue.remainingCapacity() < drainedThreshold) {
                    if (waiters == null) {
                        waiters = new ArrayList<>(2);
                    }
                    waiters.add(sink);
                    hasWaiters = true;
                    return;
                }
            }
            sink.success();
        });
    }

    /** A frame left the queue for the socket. */
    private void taken() {
        if (hasWaiters && queue.remainingCapacity() >= drainedThreshold) {
            releaseWaiters();
        }
    }

    private void releaseWaiters() {
        List<MonoSink<Void>> ready;
        synchronized (this) {
            if (waiters == null || waiters.isEmpty()) {
                return;
            }
            ready = List.copyOf(waiters);
            waiters.clear();
            hasWaiters = false;
        }
        ready.forEach(MonoSink::success);
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
        releaseWaiters();
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
        releaseWaiters();
    }

    /** The frames to write, completing when the session closes (at once for {@link #closeNow}). */
    Flux<OutboundFrame> outbound() {
        return outbound(frame -> frame);
    }

    /** The same, each frame turned into what the socket writes (one operator fewer held for the session's life). */
    <T> Flux<T> outbound(java.util.function.Function<? super OutboundFrame, T> toMessage) {
        return outbound.asFlux().takeUntilOther(abort.asMono()).map(frame -> {
            taken();
            return toMessage.apply(frame);
        });
    }

    /**
     * Closes with 1013 at once, queued frames dropped: the node cannot serve this session correctly now
     * (its large groups could not be loaded); the client reconnects with backoff and syncs.
     */
    public void closeTryAgainLater() {
        closeNow(CloseCodes.TRY_AGAIN_LATER);
    }

    /** Emits the close status once a close is requested. */
    public Mono<CloseStatus> closeRequested() {
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

    public boolean isClosing() {
        return closeStatus.get() != null;
    }

    /** Any inbound frame (pong included) proves the client is alive. Returns the time it was seen ({@link System#nanoTime}). */
    long touch() {
        long now = System.nanoTime();
        lastActivityNanos = now;
        return now;
    }

    /** Closes with 4401 (after what is queued) once the token has expired at {@code now}. */
    void expireIfDue(Instant now) {
        if (expiresAt != null && !now.isBefore(expiresAt) && !isClosing()) {
            closeAfterDrain(CloseCodes.TOKEN_EXPIRED);
        }
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

    /**
     * Takes one frame from the session's bucket (GCRA): each frame costs {@code nanosPerFrame}, the bucket holds
     * {@code burstNanos} worth of frames and refills as time passes. No allocation.
     *
     * @return false when the bucket is empty (the frame is over the limit; nothing was taken)
     */
    boolean admitFrame(long nowNanos, long nanosPerFrame, long burstNanos) {
        long fullAt = frameBucketFullAt - nowNanos < 0 ? nowNanos : frameBucketFullAt;
        long next = fullAt + nanosPerFrame;
        if (next - nowNanos > burstNanos) {
            return false;
        }
        frameBucketFullAt = next;
        return true;
    }

    /** Counts a malformed, unknown or invalid frame and returns how many this connection has sent. */
    int recordBadFrame() {
        return ++badFrames;
    }

    @Override
    public String toString() {
        return "ChatSession[" + id + ", user " + userId + "]";
    }
}
