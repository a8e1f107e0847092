package dev.chat.websocket.config;

import java.net.URI;
import java.time.Duration;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/**
 * The WebSocket endpoint ({@code chat.ws.*}).
 *
 * @param heartbeat         how often the server sends a WebSocket PING; a connection silent for two
 *                          heartbeats is closed. Reported to clients as {@code heartbeat_s}.
 * @param outboundBuffer    frames queued per session before the client counts as too slow (closed with 1013)
 * @param maxFrameBytes     largest inbound frame (also after aggregating fragments); larger ones close with 1009
 * @param badFrameAllowance malformed or unknown frames a connection may send; the next one closes it with 1008
 * @param frameRate         inbound frames a session may send (token bucket per session); beyond, it is closed with 1008
 * @param closeTimeout      how long a close handshake may take (queued frames drained, close frame
 *                          flushed) before the TCP connection is dropped
 * @param dedup             node-level de-duplication of {@code chat.events}
 * @param messageServiceUri base URL of message-service, which the node calls on behalf of a session (with
 *                          the session's own token) for {@code sync} and {@code presence.subscribe}
 * @param messageService    how those calls are made
 * @param sync              the {@code sync} frame
 * @param presence          presence reporting ({@code chat.presence}) and subscriptions
 * @param signals           the hand-off of client signals and presence signals to Kafka
 * @param revocation        token revocations ({@code chat.revocations})
 * @param largeGroups       delivery of large groups' events (audience {@code conversation}) by subscription
 * @param maxConnections    WebSocket sessions this node holds at once; a further upgrade is answered 503
 *                          {@code too_many_connections} before anything is upgraded. 0 (the default): derived at
 *                          start-up from the open-file limit and the heap ({@link #DERIVED_CONNECTION_HEAP_BYTES})
 * @param refusedRetryAfter the {@code Retry-After} of such a 503
 * @param connectRate       upgrades one user may start on this node (token bucket per user); beyond, 429
 *                          {@code rate_limited} with {@code Retry-After}, before anything is upgraded
 */
@Validated
@ConfigurationProperties("chat.ws")
public record WebSocketProperties(
        @DefaultValue("25s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 10) Duration heartbeat,
        @DefaultValue("1024") @Min(1) @Max(1_000_000) int outboundBuffer,
        @DefaultValue("64KB") @NotNull DataSize maxFrameBytes,
        @DefaultValue("10") @Min(0) int badFrameAllowance,
        @DefaultValue @NotNull @Valid FrameRate frameRate,
        @DefaultValue("5s") @NotNull @DurationMin(millis = 100) Duration closeTimeout,
        @DefaultValue @NotNull @Valid Dedup dedup,
        @DefaultValue("http://localhost:8081") @NotNull URI messageServiceUri,
        @DefaultValue @NotNull @Valid MessageService messageService,
        @DefaultValue @NotNull @Valid Sync sync,
        @DefaultValue @NotNull @Valid Presence presence,
        @DefaultValue @NotNull @Valid Signals signals,
        @DefaultValue @NotNull @Valid Revocation revocation,
        @DefaultValue @NotNull @Valid LargeGroups largeGroups,
        @DefaultValue("0") @Min(0) @Max(10_000_000) int maxConnections,
        @DefaultValue @NotNull @Valid RetryAfter refusedRetryAfter,
        @DefaultValue @NotNull @Valid ConnectRate connectRate) {

    /** The heap one session is assumed to cost when {@code maxConnections} is derived (buffers, session state). */
    public static final long DERIVED_CONNECTION_HEAP_BYTES = 16 * 1024;

    /** {@code heartbeat} in whole seconds, as {@code session.ready} reports it (at least 1). */
    public long heartbeatSeconds() {
        return Math.max(1, (heartbeat.toMillis() + 999) / 1000);
    }

    public int maxFramePayloadLength() {
        return (int) maxFrameBytes.toBytes();
    }

    @AssertTrue(message = "chat.ws.max-frame-bytes must be between 1KB and 16MB")
    public boolean isMaxFrameBytesInRange() {
        return maxFrameBytes == null
                || (maxFrameBytes.toBytes() >= 1024 && maxFrameBytes.toBytes() <= 16L * 1024 * 1024);
    }

    /**
     * The per-session limit on inbound frames (text, binary and WebSocket PINGs; not PONGs, which answer the
     * server's pings): a token bucket of {@code burst} frames refilled at {@code perSecond}. The frame that finds
     * it empty closes the session with 1008 {@code rate limit exceeded}, after what is already queued for it.
     * The defaults leave room for the reconnect recipe (up to 33 {@code sync}, a {@code presence.subscribe} and an
     * {@code ack} per {@code sync.done} at once) and for steady acks, reads and typing in several conversations.
     *
     * @param perSecond frames per second a session may send on average
     * @param burst     frames a session may send at once (the bucket's size)
     */
    public record FrameRate(
            @DefaultValue("20") @Min(1) @Max(100_000) int perSecond,
            @DefaultValue("100") @Min(1) @Max(1_000_000) int burst) {

        /** The time one frame costs. */
        public long nanosPerFrame() {
            return 1_000_000_000L / perSecond;
        }

        /** How far ahead of now a session's bucket may be spent. */
        public long burstNanos() {
            return nanosPerFrame() * burst;
        }
    }

    /**
     * Bounded memory of what this node already delivered (Kafka may carry an event twice).
     *
     * @param conversations conversations whose highest delivered {@code message.created} seq is kept
     * @param eventIds      ids of other events kept
     */
    public record Dedup(
            @DefaultValue("100000") @Min(1) int conversations,
            @DefaultValue("100000") @Min(1) int eventIds) {
    }

    /**
     * Calls to message-service ({@code sync}, {@code presence.subscribe}).
     *
     * @param timeout         longest wait for one answer (then {@code sync_failed}, or no presence state)
     * @param connectTimeout  longest TCP connect
     * @param maxInFlight     calls this node has open at once, over all sessions; more wait their turn
     *                        (a reconnect storm must not become a storm on message-service)
     * @param maxResponseSize largest answer read (a sync page of 200 long messages is well below)
     */
    public record MessageService(
            @DefaultValue("10s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 5) Duration timeout,
            @DefaultValue("2s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 1) Duration connectTimeout,
            @DefaultValue("64") @Min(1) @Max(10_000) int maxInFlight,
            @DefaultValue("16MB") @NotNull DataSize maxResponseSize) {
    }

    /**
     * The {@code sync} frame.
     *
     * @param pageSize  messages asked for per call ({@code limit}); the client continues while {@code has_more}
     * @param maxQueued    sync frames of one session waiting behind the one running; more are answered
     *                     {@code too_many_requests}
     * @param stallTimeout a paced answer (a sync page, a presence state) waits at most this long for the
     *                     client to drain its outbound buffer; a client that does not is closed with 1013
     */
    public record Sync(
            @DefaultValue("200") @Min(1) @Max(200) int pageSize,
            @DefaultValue("32") @Min(0) @Max(1_000) int maxQueued,
            @DefaultValue("30s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 10) Duration stallTimeout) {
    }

    /**
     * Presence.
     *
     * @param heartbeat        how often the node tells {@code chat.presence} that it is alive (one record per partition)
     * @param maxSubscriptions (subscriber session, watched user) pairs this node holds; a subscription that would
     *                         exceed it is answered {@code too_many_requests}
     * @param dedupEventIds    {@code chat.presence.updates} event ids remembered (Kafka may carry one twice)
     */
    public record Presence(
            @DefaultValue("5s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 5) Duration heartbeat,
            @DefaultValue("1000000") @Min(1) int maxSubscriptions,
            @DefaultValue("100000") @Min(1) int dedupEventIds) {
    }

    /**
     * The hand-off to Kafka: the event loop only queues, a sender thread per queue sends.
     *
     * @param queueCapacity   records waiting per queue (client signals; presence signals); beyond, new ones are
     *                        dropped and counted
     * @param deliveryTimeout how long the producer tries to deliver one record ({@code delivery.timeout.ms})
     * @param maxBlock        how long one send may wait for metadata or buffer space ({@code max.block.ms})
     */
    public record Signals(
            @DefaultValue("10000") @Min(1) @Max(10_000_000) int queueCapacity,
            @DefaultValue("30s") @NotNull @DurationMin(seconds = 1) @DurationMax(minutes = 10) Duration deliveryTimeout,
            @DefaultValue("5s") @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 1) Duration maxBlock) {
    }

    /**
     * Token revocations.
     *
     * @param maxTokenLifetime the longest token lifetime supported: a revocation is remembered until its
     *                         {@code issued_before} plus this (every token it revokes has expired by then)
     * @param maxUsers         users with a revocation remembered at once
     */
    public record Revocation(
            @DefaultValue("24h") @NotNull @DurationMin(minutes = 1) @DurationMax(days = 365) Duration maxTokenLifetime,
            @DefaultValue("1000000") @Min(1) int maxUsers) {
    }

    /**
     * Large groups: their events name no members; a session is subscribed to its user's large groups when it
     * opens ({@code GET /api/v1/large-conversations}) and kept current from membership events.
     *
     * @param replayEvents large-group events kept for sessions whose subscriptions are still loading; a session
     *                     that falls further behind while loading is closed with 1013 (it reconnects)
     * @param loadTimeout  how long a session's subscriptions may take to load (message-service retried with
     *                     backoff meanwhile); then it is closed with 1013
     */
    public record LargeGroups(
            @DefaultValue("4096") @Min(16) @Max(1_000_000) int replayEvents,
            @DefaultValue("30s") @NotNull @DurationMin(seconds = 1) @DurationMax(minutes = 10) Duration loadTimeout) {
    }

    /**
     * The {@code Retry-After} of a refused upgrade: whole seconds, drawn uniformly from
     * {@code [base, base + spread]} for each refusal, so that refused clients do not all come back at once.
     *
     * @param base   the shortest wait
     * @param spread how much longer it may be
     */
    public record RetryAfter(
            @DefaultValue("1s") @NotNull @DurationMin(seconds = 1) @DurationMax(hours = 1) Duration base,
            @DefaultValue("9s") @NotNull @DurationMin(seconds = 0) @DurationMax(hours = 1) Duration spread) {
    }

    /**
     * The per-user limit on WebSocket upgrades of this node, the same rule as the gateway's
     * {@code websocket-connect} (and with the same defaults): a token bucket of {@code capacity} upgrades per
     * user, refilled continuously at {@code refillPerSecond}. The upgrade that finds it empty is answered 429
     * {@code rate_limited} with {@code Retry-After}. Counted per node: a user whose upgrades are spread over N
     * nodes gets up to N times this.
     *
     * @param enabled         apply it at all
     * @param capacity        upgrades a user may start at once (the bucket's size)
     * @param refillPerSecond the sustained rate (fractions allowed: 0.2 is one upgrade every 5 s)
     * @param maxBuckets      users whose buckets are kept at once (least recently used dropped beyond it)
     * @param idleExpiry      a bucket unused this long is dropped (never before it would have refilled completely)
     */
    public record ConnectRate(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("10") @Min(1) @Max(1_000_000) long capacity,
            @DefaultValue("1") @Positive @DecimalMax("1000000") double refillPerSecond,
            @DefaultValue("100000") @Min(1) @Max(100_000_000) long maxBuckets,
            @DefaultValue("10m") @NotNull @DurationMin(seconds = 1) @DurationMax(days = 1) Duration idleExpiry) {

        /** How long an empty bucket takes to be full again. */
        public Duration timeToRefillCompletely() {
            return Duration.ofNanos((long) Math.ceil(capacity * 1_000_000_000d / refillPerSecond));
        }
    }
}
