package dev.chat.message.conversation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Repository;

import dev.chat.message.message.MessageStore;
import dev.chat.shared.event.ChatMessage;
import reactor.core.publisher.Mono;

/** SQL for conversations and participants (schema {@code messaging}). */
@Repository
class ConversationStore {

    private final DatabaseClient db;
    private final MessageStore messages;

    ConversationStore(DatabaseClient db, MessageStore messages) {
        this.db = db;
        this.messages = messages;
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
                INSERT INTO participants (conversation_id, user_id, role, joined_at)
                SELECT :cid, u.user_id, u.role, :now FROM unnest(:users::text[], :roles::text[]) AS u(user_id, role)""")
                .bind("cid", conversationId)
                .bind("users", userIds.toArray(String[]::new))
                .bind("roles", roles.toArray(String[]::new))
                .bind("now", now)
                .then();
    }

    /** The conversation with {@code userId}'s own fields; empty if the user is not a participant. */
    Mono<ConversationView> view(String userId, UUID conversationId, int maxListedParticipants) {
        return db.sql("""
                SELECT c.id, c.type, c.title, c.created_by, c.created_at, c.last_seq, c.last_activity_at,
                       p.delivered_seq, p.read_seq, p.muted_until,
                       (SELECT count(*) FROM participants x WHERE x.conversation_id = c.id) AS participant_count,
                       (SELECT count(*) FROM messages m
                         WHERE m.conversation_id = c.id AND m.seq > p.read_seq
                           AND m.sender_id <> p.user_id AND NOT m.deleted) AS unread_count
                FROM conversations c
                JOIN participants p ON p.conversation_id = c.id AND p.user_id = :me
                WHERE c.id = :id""")
                .bind("me", userId)
                .bind("id", conversationId)
                .map(row -> new Row(
                        row.get("id", UUID.class),
                        row.get("type", String.class),
                        row.get("title", String.class),
                        row.get("created_by", String.class),
                        row.get("created_at", Instant.class),
                        row.get("last_seq", Long.class),
                        row.get("last_activity_at", Instant.class),
                        row.get("delivered_seq", Long.class),
                        row.get("read_seq", Long.class),
                        row.get("muted_until", Instant.class),
                        row.get("participant_count", Long.class).intValue(),
                        row.get("unread_count", Long.class)))
                .one()
                .flatMap(row -> Mono.zip(
                        row.participantCount() <= maxListedParticipants
                                ? participants(row.id()).map(Optional::of)
                                : Mono.just(Optional.<List<ConversationView.Participant>>empty()),
                        row.lastSeq() > 0
                                ? messages.findBySeq(row.id(), row.lastSeq()).map(Optional::of)
                                        .defaultIfEmpty(Optional.empty())
                                : Mono.just(Optional.<ChatMessage>empty()))
                        .map(parts -> new ConversationView(row.id(), row.type(), row.title(), row.createdBy(),
                                row.createdAt(), parts.getT1().orElse(null), row.participantCount(), row.lastSeq(),
                                parts.getT2().orElse(null), row.lastActivityAt(), row.unreadCount(),
                                row.deliveredSeq(), row.readSeq(), row.mutedUntil())));
    }

    private Mono<List<ConversationView.Participant>> participants(UUID conversationId) {
        return db.sql("""
                SELECT user_id, role, joined_at FROM participants
                WHERE conversation_id = :cid ORDER BY joined_at, user_id""")
                .bind("cid", conversationId)
                .map(row -> new ConversationView.Participant(row.get("user_id", String.class),
                        row.get("role", String.class), row.get("joined_at", Instant.class)))
                .all()
                .collectList();
    }

    private static Parameter nullable(String value) {
        return Parameter.fromOrEmpty(value, String.class);
    }

    private record Row(UUID id, String type, String title, String createdBy, Instant createdAt, long lastSeq,
            Instant lastActivityAt, long deliveredSeq, long readSeq, Instant mutedUntil, int participantCount,
            long unreadCount) {
    }
}
