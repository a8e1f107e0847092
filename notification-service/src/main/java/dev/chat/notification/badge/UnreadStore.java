package dev.chat.notification.badge;

import java.util.List;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Each user's unread messages ({@code notification.unread}), kept from the events this service consumes,
 * for users with at least one device: per conversation the seqs of messages others sent after the user's
 * read watermark (the newest {@link #TRACKED} of them, and a count of older ones). The badge is the sum.
 * Every change is idempotent, so a redelivered event changes nothing.
 */
@Repository
public class UnreadStore {

    /** Unread seqs kept per (user, conversation); beyond, only a count of the older ones. */
    static final int TRACKED = 1000;

    private final DatabaseClient db;

    UnreadStore(DatabaseClient db) {
        this.db = db;
    }

    /** A message others sent: unread for these users (those with a device and not read that far). */
    Mono<Void> created(List<String> users, UUID conversationId, long seq) {
        if (users.isEmpty()) {
            return Mono.empty();
        }
        return db.sql("SELECT unread_add(:users::text[], :cid, :seq, :cap)")
                .bind("users", users.toArray(String[]::new))
                .bind("cid", conversationId)
                .bind("seq", seq)
                .bind("cap", TRACKED)
                .then();
    }

    /** One unread message of a user (with a device or not: the database checks). */
    record Unread(String userId, UUID conversationId, long seq) {
    }

    /** Many at once, in one round trip (the function takes them in the table's lock order). */
    Mono<Void> createdAll(List<Unread> sorted) {
        if (sorted.isEmpty()) {
            return Mono.empty();
        }
        return db.sql("SELECT unread_add_all(:users::text[], :cids::uuid[], :seqs::bigint[], :cap)")
                .bind("users", sorted.stream().map(Unread::userId).toArray(String[]::new))
                .bind("cids", sorted.stream().map(Unread::conversationId).toArray(UUID[]::new))
                .bind("seqs", sorted.stream().map(Unread::seq).toArray(Long[]::new))
                .bind("cap", TRACKED)
                .then();
    }

    /** What a read changed for the user. */
    record ReadChange(boolean changed, boolean notified, int total) {
    }

    /** The user read up to {@code readSeq}; empty when the user has no device. */
    Mono<ReadChange> read(String userId, UUID conversationId, long readSeq) {
        return db.sql("SELECT changed, notified, total FROM unread_read(:user, :cid, :read)")
                .bind("user", userId)
                .bind("cid", conversationId)
                .bind("read", readSeq)
                .map(row -> new ReadChange(Boolean.TRUE.equals(row.get("changed", Boolean.class)),
                        Boolean.TRUE.equals(row.get("notified", Boolean.class)), row.get("total", Long.class).intValue()))
                .one();
    }

    /** A message was deleted: no longer unread for anyone. Returns the users whose count dropped, with their totals. */
    Flux<Total> deleted(List<String> users, UUID conversationId, long seq) {
        if (users.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("""
                WITH changed AS (
                    UPDATE unread SET seqs = array_remove(seqs, :seq), updated_at = now()
                    WHERE user_id = ANY(:users::text[]) AND conversation_id = :cid AND :seq = ANY(seqs)
                    RETURNING user_id)
                SELECT c.user_id, (SELECT COALESCE(SUM(cardinality(u.seqs) + u.older_unread), 0) - 1
                                   FROM unread u WHERE u.user_id = c.user_id) AS total
                FROM changed c""")
                .bind("users", users.toArray(String[]::new))
                .bind("cid", conversationId)
                .bind("seq", seq)
                .map(row -> new Total(row.get("user_id", String.class), row.get("total", Long.class).intValue()))
                .all();
    }

    /** A user's total unread. */
    public record Total(String userId, int total) {
    }

    /** Totals of these users. */
    public Flux<Total> totals(List<String> users) {
        if (users.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("""
                SELECT u.user_id, COALESCE(SUM(cardinality(u.seqs) + u.older_unread), 0) AS total
                FROM unread u WHERE u.user_id = ANY(:users::text[]) GROUP BY u.user_id""")
                .bind("users", users.toArray(String[]::new))
                .map(row -> new Total(row.get("user_id", String.class), row.get("total", Long.class).intValue()))
                .all();
    }

    /** A user's badge for an alert of (conversation, seq): their total, counting that message even if not yet recorded. */
    public record AlertBadge(String userId, UUID conversationId, long seq, int badge) {
    }

    /**
     * The badge each (user, conversation, seq) alert carries: the user's total unread, plus one if that message
     * is not counted yet (the event consumer may be a moment behind the decision).
     */
    public Flux<AlertBadge> alertBadges(List<String> users, List<UUID> conversations, List<Long> seqs) {
        if (users.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("""
                SELECT x.user_id, x.conversation_id, x.seq,
                       COALESCE((SELECT SUM(cardinality(u.seqs) + u.older_unread) FROM unread u WHERE u.user_id = x.user_id), 0)
                       + CASE WHEN EXISTS (SELECT 1 FROM unread u WHERE u.user_id = x.user_id
                                             AND u.conversation_id = x.conversation_id
                                             AND (x.seq = ANY(u.seqs) OR x.seq <= u.read_seq)) THEN 0 ELSE 1 END AS badge
                FROM unnest(:users::text[], :cids::uuid[], :seqs::bigint[]) AS x(user_id, conversation_id, seq)""")
                .bind("users", users.toArray(String[]::new))
                .bind("cids", conversations.toArray(UUID[]::new))
                .bind("seqs", seqs.toArray(Long[]::new))
                .map(row -> new AlertBadge(row.get("user_id", String.class), row.get("conversation_id", UUID.class),
                        row.get("seq", Long.class), row.get("badge", Long.class).intValue()))
                .all();
    }
}
