package dev.chat.message.receipt;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Mono;

/**
 * SQL for receipt watermarks (participants.delivered_seq / read_seq and when each last moved) and the
 * shared coalescing window of their {@code receipt.updated} events (participants.receipt_window_until,
 * receipt_published_*).
 */
@Repository
class ReceiptStore {

    private final DatabaseClient db;
    private final ReceiptProperties properties;

    ReceiptStore(DatabaseClient db, ReceiptProperties properties) {
        this.db = db;
        this.properties = properties;
    }

    /**
     * What a watermark change did: the new watermarks, whether it opened the pair's coalescing window
     * ({@code opened}: this change is to be published now) and how long that window still runs.
     */
    record Moved(Watermarks watermarks, boolean opened, long windowLeftMillis) {
    }

    /**
     * Raises the caller's watermarks in one statement: each only moves forward, both are clamped to
     * the conversation's last_seq, and read raises delivered too. The time of a watermark is set only
     * when it moves. Returns the new watermarks when at least one moved; empty when nothing moved or
     * the user is not a participant (tell them apart with {@link #isParticipant}).
     * <p>
     * The same statement keeps the pair's shared coalescing window ({@link ReceiptCoalescer}): when no
     * window is open it opens one of {@code chat.receipts.coalesce-window} and records these watermarks
     * as published. Under the row's lock, so of concurrent changes on any instances exactly one opens a
     * window. Time is the database's ({@code clock_timestamp()}), the same for every instance.
     */
    Mono<Moved> raise(UUID conversationId, String userId, long deliveredSeq, long readSeq, Instant now) {
        return db.sql("""
                UPDATE participants p SET
                    delivered_seq = GREATEST(p.delivered_seq, x.d),
                    read_seq      = GREATEST(p.read_seq, x.r),
                    delivered_at  = CASE WHEN x.d > p.delivered_seq THEN :now ELSE p.delivered_at END,
                    read_at       = CASE WHEN x.r > p.read_seq THEN :now ELSE p.read_at END,
                    receipt_window_until = CASE WHEN p.receipt_window_until > x.at THEN p.receipt_window_until
                                                ELSE x.at + make_interval(secs => :window) END,
                    receipt_published_delivered = CASE WHEN p.receipt_window_until > x.at
                                                THEN p.receipt_published_delivered ELSE GREATEST(p.delivered_seq, x.d) END,
                    receipt_published_read = CASE WHEN p.receipt_window_until > x.at
                                                THEN p.receipt_published_read ELSE GREATEST(p.read_seq, x.r) END
                FROM (SELECT LEAST(GREATEST(:delivered, :read), c.last_seq) AS d, LEAST(:read, c.last_seq) AS r,
                             clock_timestamp() AS at
                      FROM conversations c WHERE c.id = :cid) x
                WHERE p.conversation_id = :cid AND p.user_id = :user
                  AND (x.d > p.delivered_seq OR x.r > p.read_seq)
                RETURNING p.delivered_seq, p.read_seq,
                    p.receipt_window_until = x.at + make_interval(secs => :window) AS opened,
                    EXTRACT(EPOCH FROM p.receipt_window_until - x.at)::float8 AS window_left""")
                .bind("delivered", deliveredSeq)
                .bind("read", readSeq)
                .bind("now", now)
                .bind("window", windowSeconds())
                .bind("cid", conversationId)
                .bind("user", userId)
                .map(row -> new Moved(new Watermarks(row.get("delivered_seq", Long.class), row.get("read_seq", Long.class)),
                        Boolean.TRUE.equals(row.get("opened", Boolean.class)),
                        millis(row.get("window_left", Double.class))))
                .one();
    }

    /**
     * The end of the pair's coalescing window, as seen from one instance. When the window is over (or at
     * once with {@code force}) and the watermarks moved since the last event, opens the next window and
     * records them as published: {@code due} is then what to publish (exactly one caller gets it, however
     * many instances ask). When they moved but the window still runs: how long it has left. Empty when
     * nothing moved since the last event (the pair is quiet) or the user is no longer a participant.
     */
    Mono<ReceiptCoalescer.WindowEnd> endWindow(ReceiptKey key, boolean force) {
        return db.sql("""
                WITH x AS (SELECT clock_timestamp() AS at),
                due AS (
                    UPDATE participants p SET
                        receipt_published_delivered = p.delivered_seq,
                        receipt_published_read = p.read_seq,
                        receipt_window_until = x.at + make_interval(secs => :window)
                    FROM x
                    WHERE p.conversation_id = :cid AND p.user_id = :user
                      AND (:force OR p.receipt_window_until IS NULL OR p.receipt_window_until <= x.at)
                      AND (p.delivered_seq > p.receipt_published_delivered OR p.read_seq > p.receipt_published_read)
                    RETURNING p.delivered_seq, p.read_seq)
                SELECT true AS due, d.delivered_seq, d.read_seq, 0::float8 AS window_left FROM due d
                UNION ALL
                SELECT false, p.delivered_seq, p.read_seq, EXTRACT(EPOCH FROM p.receipt_window_until - x.at)::float8
                FROM participants p, x
                WHERE p.conversation_id = :cid AND p.user_id = :user AND NOT EXISTS (SELECT 1 FROM due)
                  AND (p.delivered_seq > p.receipt_published_delivered OR p.read_seq > p.receipt_published_read)""")
                .bind("window", windowSeconds())
                .bind("force", force)
                .bind("cid", key.conversationId())
                .bind("user", key.userId())
                .map(row -> Boolean.TRUE.equals(row.get("due", Boolean.class))
                        ? ReceiptCoalescer.WindowEnd.due(new Watermarks(row.get("delivered_seq", Long.class),
                                row.get("read_seq", Long.class)))
                        : ReceiptCoalescer.WindowEnd.waitFor(millis(row.get("window_left", Double.class))))
                .first();
    }

    private double windowSeconds() {
        return Math.max(0, properties.coalesceWindow().toNanos() / 1e9);
    }

    private static long millis(Double seconds) {
        return seconds == null ? 0 : (long) Math.ceil(seconds * 1000);
    }

    Mono<Boolean> isParticipant(UUID conversationId, String userId) {
        return db.sql("SELECT 1 FROM participants WHERE conversation_id = :cid AND user_id = :user")
                .bind("cid", conversationId)
                .bind("user", userId)
                .map(row -> true)
                .one()
                .defaultIfEmpty(false);
    }

    /** Up to {@code limit} participants of the conversation, in user id order. */
    Mono<List<String>> participants(UUID conversationId, int limit) {
        return db.sql("SELECT user_id FROM participants WHERE conversation_id = :cid ORDER BY user_id LIMIT :limit")
                .bind("cid", conversationId)
                .bind("limit", limit)
                .map(row -> row.get("user_id", String.class))
                .all()
                .collectList();
    }

    /** What receipts are computed against. */
    record MessageRef(UUID conversationId, long seq, String senderId, Instant createdAt) {
    }

    /** The message if {@code userId} is a participant of its conversation; empty otherwise. */
    Mono<MessageRef> message(UUID messageId, String userId) {
        return db.sql("""
                SELECT m.conversation_id, m.seq, m.sender_id, m.created_at FROM messages m
                WHERE m.id = :id
                  AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = m.conversation_id AND p.user_id = :user)""")
                .bind("id", messageId)
                .bind("user", userId)
                .map(row -> new MessageRef(row.get("conversation_id", UUID.class), row.get("seq", Long.class),
                        row.get("sender_id", String.class), row.get("created_at", Instant.class)))
                .one();
    }

    /**
     * Every participant but {@code userId}, with their watermarks and when each last moved. A watermark
     * that never moved through a receipt was set when the member joined (members added later start at
     * the conversation's last_seq), so its time is the join time.
     */
    record ParticipantWatermarks(String userId, long deliveredSeq, long readSeq, Instant deliveredAt, Instant readAt) {
    }

    /** Up to {@code limit} other participants after the user id {@code after} (null: from the first), in user id order. */
    Mono<List<ParticipantWatermarks>> others(UUID conversationId, String userId, String after, int limit) {
        return db.sql("""
                SELECT user_id, delivered_seq, read_seq, COALESCE(delivered_at, joined_at) AS delivered_at,
                       COALESCE(read_at, joined_at) AS read_at
                FROM participants
                WHERE conversation_id = :cid AND user_id <> :user AND user_id > :after ORDER BY user_id LIMIT :limit""")
                .bind("cid", conversationId)
                .bind("user", userId)
                .bind("after", after == null ? "" : after)
                .bind("limit", limit)
                .map(row -> new ParticipantWatermarks(row.get("user_id", String.class),
                        row.get("delivered_seq", Long.class), row.get("read_seq", Long.class),
                        row.get("delivered_at", Instant.class), row.get("read_at", Instant.class)))
                .all()
                .collectList();
    }
}
