package dev.chat.message.presence;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import dev.chat.shared.event.PresenceUpdate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** SQL of presence: sessions per (user, node), node heartbeats, each user's state (schema messaging, V5). */
@Repository
class PresenceStore {

    private final DatabaseClient db;

    PresenceStore(DatabaseClient db) {
        this.db = db;
    }

    /** One user's change of session count on one node. */
    record Delta(String userId, String nodeId, int sessions) {
    }

    /** Applies session count changes (net per user and node); rows that reach 0 are removed. */
    Mono<Void> applySessions(List<Delta> deltas) {
        if (deltas.isEmpty()) {
            return Mono.empty();
        }
        String[] users = deltas.stream().map(Delta::userId).toArray(String[]::new);
        Mono<Void> upsert = db.sql("""
                INSERT INTO presence_sessions AS s (user_id, node_id, sessions)
                SELECT user_id, node_id, delta
                FROM unnest(CAST(:users AS text[]), CAST(:nodes AS text[]), CAST(:deltas AS int[])) AS t(user_id, node_id, delta)
                ON CONFLICT (user_id, node_id) DO UPDATE SET sessions = s.sessions + EXCLUDED.sessions""")
                .bind("users", users)
                .bind("nodes", deltas.stream().map(Delta::nodeId).toArray(String[]::new))
                .bind("deltas", deltas.stream().map(Delta::sessions).toArray(Integer[]::new))
                .then();
        // a separate statement: a statement does not see the rows its own CTE inserted
        Mono<Void> cleanUp = db.sql("DELETE FROM presence_sessions WHERE user_id = ANY(CAST(:users AS text[])) AND sessions <= 0")
                .bind("users", users)
                .then();
        return upsert.then(cleanUp);
    }

    /** These nodes are alive now. */
    Mono<Void> heartbeat(Collection<String> nodes, Instant now) {
        if (nodes.isEmpty()) {
            return Mono.empty();
        }
        return db.sql("""
                INSERT INTO presence_nodes (node_id, last_heartbeat) SELECT n, :now FROM unnest(CAST(:nodes AS text[])) AS n
                ON CONFLICT (node_id) DO UPDATE SET last_heartbeat = GREATEST(presence_nodes.last_heartbeat, EXCLUDED.last_heartbeat)""")
                .bind("nodes", nodes.toArray(String[]::new))
                .bind("now", now)
                .then();
    }

    /** Removes these nodes and their sessions (shut down); returns the users who had sessions there. */
    Flux<String> removeNodes(Collection<String> nodes) {
        if (nodes.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("""
                WITH gone AS (DELETE FROM presence_nodes WHERE node_id = ANY(CAST(:nodes AS text[])))
                DELETE FROM presence_sessions WHERE node_id = ANY(CAST(:nodes AS text[])) RETURNING user_id""")
                .bind("nodes", nodes.toArray(String[]::new))
                .map(row -> row.get("user_id", String.class))
                .all();
    }

    /**
     * Removes the nodes silent for longer than {@code timeout} and their sessions; returns the users who
     * had sessions there. Safe on several instances at once: each dead node is removed once.
     */
    Flux<String> expireNodes(Duration timeout) {
        return db.sql("""
                WITH dead AS (DELETE FROM presence_nodes WHERE last_heartbeat < clock_timestamp() - make_interval(secs => :timeout)
                              RETURNING node_id)
                DELETE FROM presence_sessions s USING dead WHERE s.node_id = dead.node_id RETURNING s.user_id""")
                .bind("timeout", timeout.toMillis() / 1000.0)
                .map(row -> row.get("user_id", String.class))
                .all();
    }

    /** Recomputes these users' presence and returns those whose state changed (V5 refresh_presence). */
    Flux<PresenceUpdate> refresh(Collection<String> users, Instant now) {
        if (users.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("SELECT user_id, online, last_seen_at FROM refresh_presence(CAST(:users AS text[]), :now)")
                .bind("users", users.stream().distinct().sorted().toArray(String[]::new))
                .bind("now", now)
                .map(row -> PresenceUpdate.of(row.get("user_id", String.class),
                        Boolean.TRUE.equals(row.get("online", Boolean.class)), row.get("last_seen_at", Instant.class)))
                .all();
    }

    /** One user's presence as a query answers it. */
    record State(String userId, boolean online, Instant lastSeenAt) {
    }

    /**
     * The presence of those of {@code users} who share a conversation with {@code me} (and of {@code me});
     * the others are left out. A user never seen is offline with no last_seen_at.
     */
    Flux<State> visibleTo(String me, Collection<String> users) {
        return db.sql("""
                SELECT u.user_id, COALESCE(p.online, false) AS online, p.last_seen_at
                FROM (SELECT DISTINCT x AS user_id FROM unnest(CAST(:users AS text[])) AS x) u
                LEFT JOIN user_presence p ON p.user_id = u.user_id
                WHERE u.user_id = :me OR EXISTS (
                    SELECT 1 FROM participants mine JOIN participants theirs ON theirs.conversation_id = mine.conversation_id
                    WHERE mine.user_id = :me AND theirs.user_id = u.user_id)
                ORDER BY u.user_id""")
                .bind("users", users.toArray(String[]::new))
                .bind("me", me)
                .map(row -> new State(row.get("user_id", String.class), Boolean.TRUE.equals(row.get("online", Boolean.class)),
                        row.get("last_seen_at", Instant.class)))
                .all();
    }
}
