package dev.chat.message.conversation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Repository;

import dev.chat.message.message.MessageStore;
import dev.chat.shared.event.ChatMessage;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * SQL for conversations and participants (schema {@code messaging}).
 *
 * <p>Conversation objects are assembled in batches, whether one or a page of them: one query for the
 * rows (with the caller's watermarks, participant count and unread count), one for the listed
 * participants of all of them, one for their last messages. A page costs three queries, not 3 per item.
 */
@Repository
class ConversationStore {

    /** The caller's conversations; {@code %s} is an extra condition (cursor, or one id). */
    private static final String MINE = """
            WITH mine AS (
                SELECT c.id, c.type, c.title, c.created_by, c.created_at, c.last_seq, c.last_activity_at,
                       c.member_count, p.user_id, p.delivered_seq, p.read_seq, p.muted_until, p.notify
                FROM participants p
                JOIN conversations c ON c.id = p.conversation_id
                WHERE p.user_id = :me %s
                ORDER BY c.last_activity_at DESC, c.id DESC
                LIMIT :limit)
            SELECT mine.*,
                   mine.member_count::bigint AS participant_count,
                   (SELECT count(*) FROM messages m
                     WHERE m.conversation_id = mine.id AND m.seq > mine.read_seq
                       AND m.sender_id <> mine.user_id AND NOT m.deleted) AS unread_count
            FROM mine
            ORDER BY mine.last_activity_at DESC, mine.id DESC""";

    private final DatabaseClient db;
    private final MessageStore messages;
    private final int largeGroupThreshold;

    ConversationStore(DatabaseClient db, MessageStore messages, ConversationProperties properties) {
        this.db = db;
        this.messages = messages;
        this.largeGroupThreshold = properties.largeGroupThreshold();
    }

    /** False when a direct conversation with this key exists already (nothing is inserted then). */
    Mono<Boolean> insertConversation(UUID id, String type, String title, String createdBy, Instant now,
            String directKey) {
        return db.sql("""
                INSERT INTO conversations (id, type, title, created_by, created_at, last_activity_at, direct_key)
                VALUES (:id, :type, :title, :createdBy, :now, :now, :directKey)
                ON CONFLICT (direct_key) DO NOTHING""")
                .bind("id", id)
                .bind("type", type)
                .bind("title", nullable(title))
                .bind("createdBy", createdBy)
                .bind("now", now)
                .bind("directKey", nullable(directKey))
                .fetch().rowsUpdated()
                .map(rows -> rows == 1);
    }

    Mono<UUID> findDirect(String directKey) {
        return db.sql("SELECT id FROM conversations WHERE direct_key = :key")
                .bind("key", directKey)
                .map(row -> row.get("id", UUID.class))
                .one();
    }

    Mono<Void> insertParticipants(UUID conversationId, List<String> userIds, List<String> roles, Instant now) {
        return db.sql("""
                WITH ins AS (
                    INSERT INTO participants (conversation_id, user_id, role, joined_at)
                    SELECT :cid, u.user_id, u.role, :now FROM unnest(:users::text[], :roles::text[]) AS u(user_id, role)
                    RETURNING 1)
                UPDATE conversations SET member_count = member_count + (SELECT count(*) FROM ins) WHERE id = :cid""")
                .bind("cid", conversationId)
                .bind("users", userIds.toArray(String[]::new))
                .bind("roles", roles.toArray(String[]::new))
                .bind("now", now)
                .then();
    }

    // ---- reading Conversation objects

    /** The conversation with {@code userId}'s own fields; empty if the user is not a participant. */
    Mono<ConversationView> view(String userId, UUID conversationId, int maxListedParticipants) {
        return db.sql(MINE.formatted("AND c.id = :id"))
                .bind("me", userId)
                .bind("id", conversationId)
                .bind("limit", 1)
                .map(ConversationStore::row)
                .all()
                .collectList()
                .flatMap(rows -> assemble(rows, maxListedParticipants))
                .flatMap(views -> Mono.justOrEmpty(views.stream().findFirst()));
    }

    /**
     * Up to {@code limit} of the user's conversations, most recent activity first (id descending breaks
     * ties), strictly after {@code after} (null: from the start).
     */
    Mono<List<ConversationView>> page(String userId, PageCursor after, int limit, int maxListedParticipants) {
        DatabaseClient.GenericExecuteSpec spec = after == null
                ? db.sql(MINE.formatted(""))
                : db.sql(MINE.formatted("AND (c.last_activity_at, c.id) < (:at, :after)"))
                        .bind("at", after.at())
                        .bind("after", after.conversationId());
        return spec.bind("me", userId)
                .bind("limit", limit)
                .map(ConversationStore::row)
                .all()
                .collectList()
                .flatMap(rows -> assemble(rows, maxListedParticipants));
    }

    /**
     * The conversation without anyone's own fields (unread count, watermarks, mute are null): the
     * object of a {@code conversation.updated} event, which serves every recipient. Empty if it does
     * not exist. Inside a transaction it shows that transaction's changes.
     */
    Mono<ConversationView> viewForEveryone(UUID conversationId, int maxListedParticipants) {
        return db.sql("""
                SELECT c.id, c.type, c.title, c.created_by, c.created_at, c.last_seq, c.last_activity_at,
                       NULL::bigint AS delivered_seq, NULL::bigint AS read_seq, NULL::timestamptz AS muted_until, NULL::text AS notify,
                       c.member_count::bigint AS participant_count,
                       NULL::bigint AS unread_count
                FROM conversations c WHERE c.id = :id""")
                .bind("id", conversationId)
                .map(ConversationStore::row)
                .all()
                .collectList()
                .flatMap(rows -> assemble(rows, maxListedParticipants))
                .flatMap(views -> Mono.justOrEmpty(views.stream().findFirst()));
    }

    /** Adds the listed participants (where few enough) and the last messages, in two batch queries. */
    private Mono<List<ConversationView>> assemble(List<Row> rows, int maxListedParticipants) {
        if (rows.isEmpty()) {
            return Mono.just(List.of());
        }
        List<UUID> listed = rows.stream()
                .filter(r -> r.participantCount() <= maxListedParticipants)
                .map(Row::id)
                .toList();
        Map<UUID, Long> lastSeqs = rows.stream()
                .filter(r -> r.lastSeq() > 0)
                .collect(Collectors.toMap(Row::id, Row::lastSeq));
        Mono<Map<UUID, List<ConversationView.Participant>>> participants = listed.isEmpty() ? Mono.just(Map.of())
                : db.sql("""
                        SELECT conversation_id, user_id, role, joined_at FROM participants
                        WHERE conversation_id = ANY(:ids) ORDER BY conversation_id, joined_at, user_id""")
                        .bind("ids", listed.toArray(UUID[]::new))
                        .map(row -> Map.entry(row.get("conversation_id", UUID.class), participant(row)))
                        .all()
                        .collect(HashMap::new, (map, e) -> map.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                                .add(e.getValue()));
        Mono<Map<UUID, ChatMessage>> lastMessages = messages.findBySeqs(lastSeqs)
                .collectMap(ChatMessage::conversationId, Function.identity());
        return Mono.zip(participants, lastMessages).map(parts -> rows.stream()
                .map(r -> new ConversationView(r.id(), r.type(), r.title(), r.createdBy(), r.createdAt(),
                        r.participantCount() <= maxListedParticipants
                                ? parts.getT1().getOrDefault(r.id(), List.of()) : null,
                        r.participantCount(), r.lastSeq(), parts.getT2().get(r.id()), r.lastActivityAt(),
                        r.unreadCount(), r.deliveredSeq(), r.readSeq(), r.mutedUntil(),
                        r.deliveredSeq() == null ? null
                                : NotifyLevel.effective(r.notifyLevel(), r.participantCount(), largeGroupThreshold)))
                .toList());
    }

    // ---- participants

    Mono<Boolean> isParticipant(UUID conversationId, String userId) {
        return role(conversationId, userId).map(role -> true).defaultIfEmpty(false);
    }

    /** The user's role in the conversation; empty if they are not in it. */
    Mono<String> role(UUID conversationId, String userId) {
        return db.sql("SELECT role FROM participants WHERE conversation_id = :cid AND user_id = :user")
                .bind("cid", conversationId)
                .bind("user", userId)
                .map(row -> row.get("role", String.class))
                .one();
    }

    /** Up to {@code limit} participants, longest-standing first (user id breaks ties), strictly after {@code after}. */
    Flux<ConversationView.Participant> participantPage(UUID conversationId, PageCursor after, int limit) {
        DatabaseClient.GenericExecuteSpec spec = after == null
                ? db.sql("""
                        SELECT user_id, role, joined_at FROM participants WHERE conversation_id = :cid
                        ORDER BY joined_at, user_id LIMIT :limit""")
                : db.sql("""
                        SELECT user_id, role, joined_at FROM participants
                        WHERE conversation_id = :cid AND (joined_at, user_id) > (:at, :after)
                        ORDER BY joined_at, user_id LIMIT :limit""")
                        .bind("at", after.at())
                        .bind("after", after.tiebreak());
        return spec.bind("cid", conversationId)
                .bind("limit", limit)
                .map(ConversationStore::participant)
                .all();
    }

    /** The user's conversations with more than {@code threshold} members (at most 10,000). */
    Flux<UUID> largeConversations(String userId, int threshold) {
        return db.sql("""
                SELECT c.id FROM participants p JOIN conversations c ON c.id = p.conversation_id
                WHERE p.user_id = :me AND c.member_count > :threshold ORDER BY c.id LIMIT 10000""")
                .bind("me", userId)
                .bind("threshold", threshold)
                .map(row -> row.get("id", UUID.class))
                .all();
    }

    /** How many participants the conversation has. */
    Mono<Long> memberCount(UUID conversationId) {
        return db.sql("SELECT member_count::bigint FROM conversations WHERE id = :cid")
                .bind("cid", conversationId)
                .map(row -> row.get(0, Long.class))
                .one();
    }

    /** Every participant's user id: the recipients of a conversation event. */
    Flux<String> participantIds(UUID conversationId) {
        return db.sql("SELECT user_id FROM participants WHERE conversation_id = :cid ORDER BY user_id")
                .bind("cid", conversationId)
                .map(row -> row.get("user_id", String.class))
                .all();
    }

    // ---- changes (called inside a transaction that first took {@link #lockAsParticipant})

    /**
     * Locks the conversation row until the transaction ends, if {@code userId} is in it; empty otherwise.
     * Sends take the same lock (they raise {@code last_seq}), so a membership change and a send are
     * ordered: a message is either before the change (old recipients) or after it (new recipients), and
     * their outbox rows, hence their events, are in that order too.
     */
    Mono<Locked> lockAsParticipant(UUID conversationId, String userId) {
        return db.sql("""
                SELECT c.type, c.title FROM conversations c
                WHERE c.id = :id
                  AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = :me)
                FOR UPDATE""")
                .bind("id", conversationId)
                .bind("me", userId)
                .map(row -> new Locked(row.get("type", String.class), row.get("title", String.class)))
                .one();
    }

    record Locked(String type, String title) {
    }

    Mono<Void> updateTitle(UUID conversationId, String title) {
        return db.sql("UPDATE conversations SET title = :title WHERE id = :id")
                .bind("title", nullable(title))
                .bind("id", conversationId)
                .then();
    }

    /** Activity for the conversation list; never moves back. */
    Mono<Void> touch(UUID conversationId, Instant now) {
        return db.sql("UPDATE conversations SET last_activity_at = greatest(last_activity_at, :now) WHERE id = :id")
                .bind("now", now)
                .bind("id", conversationId)
                .then();
    }

    /**
     * Adds members who are not in the conversation yet; returns those actually added. Their watermarks
     * start at the conversation's {@code last_seq}: what was said before they joined is not unread for them.
     */
    Flux<String> addMembers(UUID conversationId, Collection<String> userIds, Instant now) {
        return db.sql("""
                WITH ins AS (
                    INSERT INTO participants (conversation_id, user_id, role, joined_at, delivered_seq, read_seq)
                    SELECT c.id, u.user_id, 'member', :now, c.last_seq, c.last_seq
                    FROM conversations c, unnest(:users::text[]) AS u(user_id)
                    WHERE c.id = :cid
                    ON CONFLICT (conversation_id, user_id) DO NOTHING
                    RETURNING user_id),
                counted AS (UPDATE conversations SET member_count = member_count + (SELECT count(*) FROM ins) WHERE id = :cid)
                SELECT user_id FROM ins""")
                .bind("cid", conversationId)
                .bind("users", userIds.toArray(String[]::new))
                .bind("now", now)
                .map(row -> row.get("user_id", String.class))
                .all();
    }

    /** Removes the participant; returns the role they had, empty if they were not in it. */
    Mono<String> removeParticipant(UUID conversationId, String userId) {
        return db.sql("""
                WITH del AS (DELETE FROM participants WHERE conversation_id = :cid AND user_id = :user RETURNING role),
                     counted AS (UPDATE conversations SET member_count = member_count - (SELECT count(*) FROM del) WHERE id = :cid)
                SELECT role FROM del""")
                .bind("cid", conversationId)
                .bind("user", userId)
                .map(row -> row.get("role", String.class))
                .one();
    }

    /**
     * Makes the longest-standing admin the owner, or if there is none the longest-standing member;
     * returns the new owner, empty if nobody is left.
     */
    Mono<String> passOwnership(UUID conversationId) {
        return db.sql("""
                UPDATE participants SET role = 'owner'
                WHERE conversation_id = :cid AND user_id = (
                    SELECT user_id FROM participants WHERE conversation_id = :cid
                    ORDER BY (role = 'admin') DESC, joined_at, user_id
                    LIMIT 1)
                RETURNING user_id""")
                .bind("cid", conversationId)
                .map(row -> row.get("user_id", String.class))
                .one();
    }

    /**
     * Changes the caller's settings: each one only when given ({@code muted_until} null = not muted,
     * {@code notify} null = back to the default). False if the user is not in the conversation.
     */
    Mono<Boolean> updateSettings(UUID conversationId, String userId, boolean setMutedUntil, Instant mutedUntil,
            boolean setNotify, String notify) {
        return db.sql("""
                UPDATE participants SET
                    muted_until = CASE WHEN :setMuted THEN CAST(:until AS timestamptz) ELSE muted_until END,
                    notify      = CASE WHEN :setNotify THEN CAST(:notify AS text) ELSE notify END
                WHERE conversation_id = :cid AND user_id = :user""")
                .bind("setMuted", setMutedUntil)
                .bind("until", Parameter.fromOrEmpty(mutedUntil, Instant.class))
                .bind("setNotify", setNotify)
                .bind("notify", Parameter.fromOrEmpty(notify, String.class))
                .bind("cid", conversationId)
                .bind("user", userId)
                .fetch().rowsUpdated()
                .map(rows -> rows == 1);
    }

    private static Row row(Readable row) {
        return new Row(
                row.get("id", UUID.class),
                row.get("type", String.class),
                row.get("title", String.class),
                row.get("created_by", String.class),
                row.get("created_at", Instant.class),
                row.get("last_seq", Long.class),
                row.get("last_activity_at", Instant.class),
                row.get("participant_count", Long.class).intValue(),
                row.get("delivered_seq", Long.class),
                row.get("read_seq", Long.class),
                row.get("muted_until", Instant.class),
                row.get("notify", String.class),
                row.get("unread_count", Long.class));
    }

    private static ConversationView.Participant participant(Readable row) {
        return new ConversationView.Participant(row.get("user_id", String.class), row.get("role", String.class),
                row.get("joined_at", Instant.class));
    }

    private static Parameter nullable(String value) {
        return Parameter.fromOrEmpty(value, String.class);
    }

    /** One conversation row; the caller-specific fields are null when read for everyone. */
    private record Row(UUID id, String type, String title, String createdBy, Instant createdAt, long lastSeq,
            Instant lastActivityAt, int participantCount, Long deliveredSeq, Long readSeq, Instant mutedUntil, String notifyLevel,
            Long unreadCount) {
    }
}
