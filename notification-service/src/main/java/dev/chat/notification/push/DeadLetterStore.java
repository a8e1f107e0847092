package dev.chat.notification.push;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import dev.chat.shared.json.ChatJson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code notification.push_dead_letters}: pushes that failed for good, with the rendered push, so that an
 * operator can replay them ({@code SELECT notification.replay_push_dead_letters(ARRAY[...])}) once the cause
 * is fixed. docs/notification-service.md "Dead letters" has the queries.
 */
@Repository
class DeadLetterStore {

    /** How long a replay taken by an instance is its own before another may take it (the instance may have died). */
    static final Duration REPLAY_LEASE = Duration.ofMinutes(5);

    private final DatabaseClient db;

    DeadLetterStore(DatabaseClient db) {
        this.db = db;
    }

    record DeadLetter(long id, PushNotification notification, String reason, int attempts) {
    }

    Mono<Void> add(PushNotification n, String provider, String reason, int attempts, Instant firstAttemptAt) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("""
                INSERT INTO push_dead_letters (kind, message_id, conversation_id, seq, user_id, token, platform, provider,
                                               notification, reason, attempts, first_attempt_at)
                VALUES (:kind, :message, :conversation, :seq, :user, :token, :platform, :provider, CAST(:notification AS jsonb),
                        :reason, :attempts, :first)""")
                .bind("kind", n.kind().name())
                .bind("conversation", n.conversationId())
                .bind("user", n.device().userId())
                .bind("token", n.device().token())
                .bind("platform", n.device().platform())
                .bind("provider", provider)
                .bind("notification", ChatJson.mapper().writeValueAsString(n))
                .bind("reason", reason)
                .bind("attempts", attempts)
                .bind("first", firstAttemptAt);
        spec = n.messageId() == null ? spec.bindNull("message", UUID.class) : spec.bind("message", n.messageId());
        spec = n.seq() == null ? spec.bindNull("seq", Long.class) : spec.bind("seq", n.seq());
        return spec.then();
    }

    /** Takes up to {@code limit} dead letters an operator asked to replay (leased, so that one instance sends each). */
    Flux<DeadLetter> takeReplays(int limit) {
        return db.sql("""
                UPDATE push_dead_letters SET replay_at = now() + :lease * interval '1 millisecond'
                WHERE id IN (SELECT id FROM push_dead_letters WHERE replay_at <= now() ORDER BY id LIMIT :limit
                             FOR UPDATE SKIP LOCKED)
                RETURNING id, notification::text AS notification, reason, attempts""")
                .bind("lease", REPLAY_LEASE.toMillis())
                .bind("limit", limit)
                .map(row -> new DeadLetter(row.get("id", Long.class),
                        ChatJson.mapper().readValue(row.get("notification", String.class), PushNotification.class),
                        row.get("reason", String.class), row.get("attempts", Integer.class)))
                .all();
    }

    Mono<Void> delete(long id) {
        return db.sql("DELETE FROM push_dead_letters WHERE id = :id").bind("id", id).then();
    }

    Mono<Long> count() {
        return db.sql("SELECT count(*) AS n FROM push_dead_letters").map(row -> row.get("n", Long.class)).one();
    }
}
