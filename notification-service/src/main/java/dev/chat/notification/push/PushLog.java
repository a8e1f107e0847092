package dev.chat.notification.push;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The dedupe record ({@code notification.push_log}): one alert per (message, device token), however often
 * the event is processed. Before the provider is called the pair is claimed for {@code chat.push.claim-ttl};
 * once the provider accepted, it is marked sent. The one window left (a crash after the provider accepted and
 * before the mark) may repeat a push once; it carries the same collapse id, so the device shows one notification.
 */
@Repository
public class PushLog {

    private final DatabaseClient db;

    PushLog(DatabaseClient db) {
        this.db = db;
    }

    /** A (message, device) an alert is to go to. */
    record Target(UUID messageId, String token, UUID conversationId, long seq, String userId, String provider) {
    }

    /** How a target stands: {@code mine} (claimed now, send it), done before ({@code state}), or claimed by another until {@code claimedUntil}. */
    record Claim(UUID messageId, String token, boolean mine, String state, Instant claimedUntil) {
    }

    /**
     * Claims every target not yet sent (nor found invalid, nor dead-lettered) and not claimed by another
     * instance whose claim is still valid; claims of this {@code owner} are renewed.
     */
    Flux<Claim> claim(List<Target> targets, String owner, Duration ttl) {
        if (targets.isEmpty()) {
            return Flux.empty();
        }
        int n = targets.size();
        UUID[] messages = new UUID[n];
        String[] tokens = new String[n];
        UUID[] conversations = new UUID[n];
        Long[] seqs = new Long[n];
        String[] users = new String[n];
        String[] providers = new String[n];
        for (int i = 0; i < n; i++) {
            Target t = targets.get(i);
            messages[i] = t.messageId();
            tokens[i] = t.token();
            conversations[i] = t.conversationId();
            seqs[i] = t.seq();
            users[i] = t.userId();
            providers[i] = t.provider();
        }
        return db.sql("""
                WITH input AS (
                    SELECT * FROM unnest(:messages::uuid[], :tokens::text[], :conversations::uuid[], :seqs::bigint[],
                                         :users::text[], :providers::text[])
                        AS t(message_id, token, conversation_id, seq, user_id, provider)),
                claimed AS (
                    INSERT INTO push_log AS p (message_id, token, conversation_id, seq, user_id, provider, state, owner, claimed_until)
                    SELECT message_id, token, conversation_id, seq, user_id, provider, 'claimed', :owner,
                           now() + :ttl * interval '1 millisecond'
                    FROM input
                    ON CONFLICT (message_id, token) DO UPDATE SET
                        owner = EXCLUDED.owner, claimed_until = EXCLUDED.claimed_until, updated_at = now()
                    WHERE p.state = 'claimed' AND (p.owner = EXCLUDED.owner OR p.claimed_until < now())
                    RETURNING p.message_id, p.token)
                SELECT i.message_id, i.token, c.token IS NOT NULL AS mine, p.state, p.claimed_until
                FROM input i
                LEFT JOIN claimed c ON c.message_id = i.message_id AND c.token = i.token
                LEFT JOIN push_log p ON p.message_id = i.message_id AND p.token = i.token""")
                .bind("messages", messages)
                .bind("tokens", tokens)
                .bind("conversations", conversations)
                .bind("seqs", seqs)
                .bind("users", users)
                .bind("providers", providers)
                .bind("owner", owner)
                .bind("ttl", ttl.toMillis())
                .map(row -> new Claim(row.get("message_id", UUID.class), row.get("token", String.class),
                        Boolean.TRUE.equals(row.get("mine", Boolean.class)), row.get("state", String.class),
                        row.get("claimed_until", Instant.class)))
                .all();
    }

    /** Keeps a claim while its push waits for a retry: until the retry plus the claim ttl. */
    Mono<Long> extend(UUID messageId, String token, String owner, Duration until) {
        return db.sql("""
                UPDATE push_log SET claimed_until = now() + :until * interval '1 millisecond', updated_at = now()
                WHERE message_id = :message AND token = :token AND owner = :owner AND state = 'claimed'""")
                .bind("until", until.toMillis())
                .bind("message", messageId)
                .bind("token", token)
                .bind("owner", owner)
                .fetch().rowsUpdated();
    }

    /** An alert the provider accepted. */
    record Sent(UUID messageId, String token, String providerId, Integer badge, String userId, UUID conversationId,
            long seq) {
    }

    /**
     * Marks alerts sent, in one statement for many: the push log row, the badge the device now shows, and the
     * highest seq the user was alerted of in the conversation (a later read clears that notification).
     */
    Mono<Void> sent(List<Sent> sent) {
        if (sent.isEmpty()) {
            return Mono.empty();
        }
        int n = sent.size();
        UUID[] messages = new UUID[n];
        String[] tokens = new String[n];
        String[] providerIds = new String[n];
        Integer[] badges = new Integer[n];
        String[] users = new String[n];
        UUID[] conversations = new UUID[n];
        Long[] seqs = new Long[n];
        for (int i = 0; i < n; i++) {
            Sent s = sent.get(i);
            messages[i] = s.messageId();
            tokens[i] = s.token();
            providerIds[i] = s.providerId();
            badges[i] = s.badge();
            users[i] = s.userId();
            conversations[i] = s.conversationId();
            seqs[i] = s.seq();
        }
        return db.sql("""
                WITH s AS (
                    SELECT * FROM unnest(:messages::uuid[], :tokens::text[], :providerIds::text[], :badges::integer[],
                                         :users::text[], :conversations::uuid[], :seqs::bigint[])
                        AS s(message_id, token, provider_id, badge, user_id, conversation_id, seq)),
                logged AS (
                    UPDATE push_log p SET state = 'sent', provider_id = s.provider_id, claimed_until = NULL,
                                          updated_at = now()
                    FROM s WHERE p.message_id = s.message_id AND p.token = s.token),
                badged AS (
                    UPDATE devices d SET last_badge = s.badge FROM s WHERE d.token = s.token AND s.badge IS NOT NULL)
                INSERT INTO unread AS u (user_id, conversation_id, notified_seq)
                SELECT user_id, conversation_id, max(seq) FROM s GROUP BY user_id, conversation_id
                ORDER BY user_id COLLATE "C", conversation_id
                ON CONFLICT (user_id, conversation_id) DO UPDATE
                    SET notified_seq = GREATEST(u.notified_seq, EXCLUDED.notified_seq)""")
                .bind("messages", messages)
                .bind("tokens", tokens)
                .bind("providerIds", providerIds)
                .bind("badges", badges)
                .bind("users", users)
                .bind("conversations", conversations)
                .bind("seqs", seqs)
                .then();
    }

    /** The alert ended without delivery: {@code invalid} (the device was removed) or {@code dead} (dead-lettered). */
    Mono<Void> ended(UUID messageId, String token, String state) {
        return db.sql("""
                UPDATE push_log SET state = :state, claimed_until = NULL, updated_at = now()
                WHERE message_id = :message AND token = :token""")
                .bind("state", state)
                .bind("message", messageId)
                .bind("token", token)
                .then();
    }

    /** A replayed dead letter: its row is claimed again if it is still dead (otherwise someone sent it meanwhile). */
    Mono<Boolean> reclaimDead(UUID messageId, String token, String owner, Duration ttl) {
        return db.sql("""
                UPDATE push_log SET state = 'claimed', owner = :owner, claimed_until = now() + :ttl * interval '1 millisecond',
                                    updated_at = now()
                WHERE message_id = :message AND token = :token AND state = 'dead'""")
                .bind("owner", owner)
                .bind("ttl", ttl.toMillis())
                .bind("message", messageId)
                .bind("token", token)
                .fetch().rowsUpdated()
                .map(rows -> rows > 0);
    }

    /** Tokens this message's alert was delivered to (for withdrawing it). */
    public Flux<String> deliveredTokens(UUID messageId) {
        return db.sql("SELECT token FROM push_log WHERE message_id = :message AND state = 'sent'")
                .bind("message", messageId)
                .map(row -> row.get("token", String.class))
                .all();
    }

    /** Deletes up to {@code limit} records older than {@code retention}; returns how many. */
    Mono<Long> deleteOlderThan(Duration retention, int limit) {
        return db.sql("""
                DELETE FROM push_log WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM push_log WHERE created_at < now() - :retention * interval '1 millisecond' LIMIT :limit))""")
                .bind("retention", retention.toMillis())
                .bind("limit", limit)
                .fetch().rowsUpdated();
    }

    static List<Target> distinct(List<Target> targets) {
        List<Target> result = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Target t : targets) {
            if (seen.add(t.messageId() + "|" + t.token())) {
                result.add(t);
            }
        }
        return result;
    }
}
