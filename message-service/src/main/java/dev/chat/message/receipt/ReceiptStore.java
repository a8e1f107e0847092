package dev.chat.message.receipt;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Mono;

/** SQL for receipt watermarks (participants.delivered_seq / read_seq and when each last moved). */
@Repository
class ReceiptStore {

    private final DatabaseClient db;

    ReceiptStore(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Raises the caller's watermarks in one statement: each only moves forward, both are clamped to
     * the conversation's last_seq, and read raises delivered too. The time of a watermark is set only
     * when it moves. Returns the new watermarks when at least one moved; empty when nothing moved or
     * the user is not a participant (tell them apart with {@link #isParticipant}).
     */
    Mono<Watermarks> raise(UUID conversationId, String userId, long deliveredSeq, long readSeq, Instant now) {
        return db.sql("""
                UPDATE participants p SET
                    delivered_seq = GREATEST(p.delivered_seq, x.d),
                    read_seq      = GREATEST(p.read_seq, x.r),
                    delivered_at  = CASE WHEN x.d > p.delivered_seq THEN :now ELSE p.delivered_at END,
                    read_at       = CASE WHEN x.r > p.read_seq THEN :now ELSE p.read_at END
                FROM (SELECT LEAST(GREATEST(:delivered, :read), c.last_seq) AS d, LEAST(:read, c.last_seq) AS r
                      FROM conversations c WHERE c.id = :cid) x
                WHERE p.conversation_id = :cid AND p.user_id = :user
                  AND (x.d > p.delivered_seq OR x.r > p.read_seq)
                RETURNING p.delivered_seq, p.read_seq""")
                .bind("delivered", deliveredSeq)
                .bind("read", readSeq)
                .bind("now", now)
                .bind("cid", conversationId)
                .bind("user", userId)
                .map(row -> new Watermarks(row.get("delivered_seq", Long.class), row.get("read_seq", Long.class)))
                .one();
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
