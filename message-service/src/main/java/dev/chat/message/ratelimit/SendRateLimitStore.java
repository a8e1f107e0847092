package dev.chat.message.ratelimit;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Mono;

/**
 * The shared counters of the send limit ({@code send_rate_limits}, an UNLOGGED table): GCRA, the token
 * bucket kept as one timestamp per user. Every check is one statement (one round trip, no transaction
 * of its own to manage), atomic under the row's lock, so concurrent sends of one user on several
 * instances are counted exactly. Time is the database's ({@code now()}), never an instance's clock.
 */
@Repository
class SendRateLimitStore {

    /** A check's outcome: {@code ahead} = seconds from now to the user's theoretical arrival time. */
    record Check(boolean allowed, double ahead) {
    }

    /*
     * GCRA: tat = the theoretical arrival time. A send is allowed when max(tat, now) + T <= now + B*T
     * (T = seconds per message, B = the burst), and then moves tat there. A new user starts at now + T.
     * A refused send changes nothing; the second branch then reads the row (the statement's snapshot) for
     * the Retry-After.
     */
    private static final String CHECK = """
            WITH hit AS (
                INSERT INTO send_rate_limits AS s (user_id, tat)
                VALUES (:user, now() + make_interval(secs => :emission))
                ON CONFLICT (user_id) DO UPDATE
                    SET tat = GREATEST(s.tat, now()) + make_interval(secs => :emission)
                    WHERE GREATEST(s.tat, now()) + make_interval(secs => :emission)
                          <= now() + make_interval(secs => :burst)
                RETURNING s.tat)
            SELECT true AS allowed, EXTRACT(EPOCH FROM hit.tat - now())::float8 AS ahead FROM hit
            UNION ALL
            SELECT false, EXTRACT(EPOCH FROM s.tat - now())::float8 FROM send_rate_limits s
            WHERE s.user_id = :user AND NOT EXISTS (SELECT 1 FROM hit)""";

    private final DatabaseClient db;

    SendRateLimitStore(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Takes one message from {@code userId}'s bucket if it has one. Empty only in a rare race (the row was
     * created by a concurrent send after this statement's snapshot, and the send was refused).
     */
    Mono<Check> take(String userId, double emissionSeconds, double burstSeconds) {
        return db.sql(CHECK)
                .bind("user", userId)
                .bind("emission", emissionSeconds)
                .bind("burst", burstSeconds)
                .map(row -> new Check(Boolean.TRUE.equals(row.get("allowed", Boolean.class)),
                        row.get("ahead", Double.class)))
                .first();
    }

    /** Deletes the counters of users idle for {@code idleSeconds}: their buckets are full (no row = full). */
    Mono<Long> sweep(double idleSeconds) {
        return db.sql("DELETE FROM send_rate_limits WHERE tat < now() - make_interval(secs => :idle)")
                .bind("idle", idleSeconds)
                .fetch().rowsUpdated();
    }
}
