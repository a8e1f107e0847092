package dev.chat.message.outbox;

import java.time.Duration;
import java.util.List;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * SQL of the outbox relay: lanes with their leases, batches, results, dead letters. Every statement
 * is short and autocommitted: no transaction is held open while the relay waits for the broker.
 */
@Repository
class OutboxStore {

    private final DatabaseClient db;

    OutboxStore(DatabaseClient db) {
        this.db = db;
    }

    /** One outbox row as the relay publishes it. */
    record Row(long id, String topic, String key, String eventType, String payload, int attempts) {
    }

    /**
     * The lanes with rows that may be published now (not all of whose rows wait for a retry). One cheap
     * probe per lane on {@code outbox_by_lane}.
     */
    Flux<Integer> lanesWithWork() {
        return db.sql("""
                SELECT l.lane FROM outbox_lanes l
                WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane
                              AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= clock_timestamp()))
                ORDER BY l.lane""")
                .map(row -> row.get(0, Integer.class))
                .all();
    }

    /**
     * Takes (or renews) the lane's lease and reads its next batch in one statement: the oldest rows of
     * the lane whose key has no earlier row waiting for a retry. Empty when another instance holds the
     * lease; a list (maybe empty) when the lease is ours.
     */
    Mono<List<Row>> claimBatch(int lane, String owner, Duration leaseTtl, int limit) {
        return db.sql("""
                WITH claim AS (
                    UPDATE outbox_lanes SET owner = :owner, lease_until = clock_timestamp() + make_interval(secs => :ttl)
                    WHERE lane = :lane AND (owner = :owner OR lease_until < clock_timestamp())
                    RETURNING lane)
                SELECT claim.lane AS claimed, o.id, o.topic, o.event_key, o.event_type, o.payload, o.attempts
                FROM claim LEFT JOIN LATERAL (
                    SELECT x.id, x.topic, x.event_key, x.event_type, x.payload, x.attempts FROM outbox x
                    WHERE x.lane = claim.lane
                      AND NOT EXISTS (SELECT 1 FROM outbox w
                                      WHERE w.event_key = x.event_key AND w.id <= x.id
                                        AND w.next_attempt_at > clock_timestamp())
                    ORDER BY x.id LIMIT :limit) o ON true
                ORDER BY o.id""")
                .bind("owner", owner)
                .bind("ttl", leaseTtl.toMillis() / 1000.0)
                .bind("lane", lane)
                .bind("limit", limit)
                .map(row -> {
                    Long id = row.get("id", Long.class);
                    return id == null ? NO_ROW : new Row(id, row.get("topic", String.class),
                            row.get("event_key", String.class), row.get("event_type", String.class),
                            row.get("payload", String.class), row.get("attempts", Integer.class));
                })
                .all()
                .collectList()
                .flatMap(rows -> rows.isEmpty() ? Mono.empty()
                        : Mono.just(rows.stream().filter(r -> r != NO_ROW).toList()));
    }

    private static final Row NO_ROW = new Row(-1, null, null, null, null, 0);

    /**
     * Deletes what the broker acknowledged and, with {@code release}, gives the lane up (the run ends);
     * otherwise the lease stays for the next batch.
     */
    Mono<Void> complete(int lane, String owner, List<Long> acknowledged, boolean release) {
        String releaseLane = """
                UPDATE outbox_lanes SET lease_until = '-infinity' WHERE lane = :lane AND owner = :owner""";
        if (acknowledged.isEmpty()) {
            return release ? db.sql(releaseLane).bind("lane", lane).bind("owner", owner).then() : Mono.empty();
        }
        String delete = "DELETE FROM outbox WHERE id = ANY(:ids)";
        DatabaseClient.GenericExecuteSpec spec = release
                ? db.sql("WITH done AS (" + delete + ") " + releaseLane).bind("lane", lane).bind("owner", owner)
                : db.sql(delete);
        return spec.bind("ids", acknowledged.toArray(Long[]::new)).then();
    }

    /** Records a permanent failure of a row: one more attempt, and when to try again. */
    Mono<Void> retryLater(long id, Duration wait, String error) {
        return db.sql("""
                UPDATE outbox SET attempts = attempts + 1, last_error = :error,
                                  next_attempt_at = clock_timestamp() + make_interval(secs => :wait)
                WHERE id = :id""")
                .bind("error", error)
                .bind("wait", wait.toMillis() / 1000.0)
                .bind("id", id)
                .then();
    }

    /** Moves a row to {@code outbox_dead_letters}; false if it was not there any more. */
    Mono<Boolean> deadLetter(long id, String error) {
        return db.sql("""
                WITH moved AS (DELETE FROM outbox WHERE id = :id
                               RETURNING id, event_id, topic, event_key, event_type, payload, created_at, attempts)
                INSERT INTO outbox_dead_letters (id, event_id, topic, event_key, event_type, payload, created_at,
                                                 attempts, last_error)
                SELECT id, event_id, topic, event_key, event_type, payload, created_at, attempts + 1, :error FROM moved""")
                .bind("id", id)
                .bind("error", error)
                .fetch().rowsUpdated()
                .map(rows -> rows > 0);
    }

    /** Gives up every lane this instance holds (shutdown), so that other instances take them over at once. */
    Mono<Void> releaseAll(String owner) {
        return db.sql("UPDATE outbox_lanes SET lease_until = '-infinity' WHERE owner = :owner")
                .bind("owner", owner)
                .then();
    }

    /** What the health indicator and the gauges show. */
    record Stats(long pending, long waiting, double oldestPendingSeconds, long deadLetters) {
    }

    Mono<Stats> stats() {
        return db.sql("""
                SELECT (SELECT count(*) FROM outbox) AS pending,
                       (SELECT count(*) FROM outbox WHERE next_attempt_at IS NOT NULL) AS waiting,
                       (SELECT COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0) FROM outbox) AS oldest,
                       (SELECT count(*) FROM outbox_dead_letters) AS dead""")
                .map(row -> new Stats(row.get("pending", Long.class), row.get("waiting", Long.class),
                        row.get("oldest", Number.class).doubleValue(), row.get("dead", Long.class)))
                .one();
    }
}
