package dev.chat.message.message;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Repository;

import dev.chat.message.conversation.NotifyLevel;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;

/** SQL for messages (schema {@code messaging}). */
@Repository
public class MessageStore {

    private static final String COLUMNS = """
            id, conversation_id, seq, sender_id, sender_name, client_message_id, type, content,
            attachments::text AS attachments, reply_to_id, mentions::text AS mentions, created_at, edited_at, deleted""";
    /** {@link #COLUMNS} for queries that join messages (alias {@code m}) with other tables. */
    private static final String M_COLUMNS = """
            m.id, m.conversation_id, m.seq, m.sender_id, m.sender_name, m.client_message_id, m.type, m.content,
            m.attachments::text AS attachments, m.reply_to_id, m.mentions::text AS mentions, m.created_at,
            m.edited_at, m.deleted""";
    /**
     * Raises the conversation's change cursor (its row is locked by {@link #findForChange}) for an update of
     * message {@code :id}; the update sets the message's {@code change_seq} to the new value.
     */
    private static final String CHANGE = "WITH change AS (UPDATE conversations SET change_seq = change_seq + 1"
            + " WHERE id = (SELECT conversation_id FROM messages WHERE id = :id) RETURNING change_seq) ";
    private static final TypeReference<List<ChatMessage.Attachment>> ATTACHMENTS = new TypeReference<>() {
    };
    private static final TypeReference<List<ChatMessage.Mention>> MENTIONS = new TypeReference<>() {
    };

    private final DatabaseClient db;

    MessageStore(DatabaseClient db) {
        this.db = db;
    }

    /** What a send learns when it takes the next seq: the seq, the change cursor value, and the conversation's type and title. */
    record Next(long seq, long changeSeq, String type, String title, int members) {
    }

    /**
     * Takes the next seq (and change cursor value) of the conversation for a sender who is a participant,
     * and holds the conversation row's lock until the transaction ends: that lock is what orders sends.
     * Empty if the conversation does not exist or the sender is not in it.
     */
    Mono<Next> nextSeq(UUID conversationId, String senderId, Instant now) {
        return db.sql("""
                UPDATE conversations c SET last_seq = c.last_seq + 1, change_seq = c.change_seq + 1, last_activity_at = :now
                WHERE c.id = :cid
                  AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = :sender)
                RETURNING c.last_seq, c.change_seq, c.type, c.title, c.member_count""")
                .bind("now", now)
                .bind("cid", conversationId)
                .bind("sender", senderId)
                .map(row -> new Next(row.get("last_seq", Long.class), row.get("change_seq", Long.class),
                        row.get("type", String.class), row.get("title", String.class),
                        row.get("member_count", Integer.class)))
                .one();
    }

    /** Inserts a message unless the sender already has one with its client_message_id (see {@link #bindInsert}). */
    static final String INSERT = """
            INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, client_message_id, type,
                                  content, attachments, reply_to_id, mentions, created_at, change_seq)
            VALUES (:id, :cid, :seq, :sender, :senderName, :clientId, :type,
                    :content, CAST(:attachments AS jsonb), :replyTo, CAST(:mentions AS jsonb), :createdAt, :changeSeq)
            ON CONFLICT (sender_id, client_message_id) DO NOTHING""";

    /** The parameters of {@link #INSERT}. */
    static DatabaseClient.GenericExecuteSpec bindInsert(DatabaseClient.GenericExecuteSpec spec, ChatMessage m,
            long changeSeq) {
        return spec
                .bind("changeSeq", changeSeq)
                .bind("id", m.id())
                .bind("cid", m.conversationId())
                .bind("seq", m.seq())
                .bind("sender", m.senderId())
                .bind("senderName", Parameter.fromOrEmpty(m.senderName(), String.class))
                .bind("clientId", Parameter.fromOrEmpty(m.clientMessageId(), UUID.class))
                .bind("type", m.type())
                .bind("content", m.content())
                .bind("attachments", ChatJson.mapper().writeValueAsString(m.attachments()))
                .bind("replyTo", Parameter.fromOrEmpty(m.replyToId(), UUID.class))
                .bind("mentions", ChatJson.mapper().writeValueAsString(m.mentions()))
                .bind("createdAt", m.createdAt());
    }

    Mono<ChatMessage> findByClientMessageId(String senderId, UUID clientMessageId) {
        return db.sql("SELECT " + COLUMNS + " FROM messages WHERE sender_id = :sender AND client_message_id = :cmid")
                .bind("sender", senderId)
                .bind("cmid", clientMessageId)
                .map(MessageStore::message)
                .one();
    }

    public Mono<ChatMessage> findBySeq(UUID conversationId, long seq) {
        return db.sql("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = :cid AND seq = :seq")
                .bind("cid", conversationId)
                .bind("seq", seq)
                .map(MessageStore::message)
                .one();
    }

    /**
     * The message if {@code userId} is a participant of its conversation, with the message row locked
     * until the transaction ends (edits and deletes of one message are serialised). Empty if the
     * message does not exist or the user is not in its conversation.
     */
    Mono<ChatMessage> findForChange(UUID messageId, String userId) {
        // the conversation row is locked too, as sends and membership changes lock it: the event's
        // recipients are then read after any concurrent membership change has committed
        return db.sql("SELECT " + M_COLUMNS + " FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = :id"
                + " AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = m.conversation_id"
                + " AND p.user_id = :user) FOR UPDATE OF m, c")
                .bind("id", messageId)
                .bind("user", userId)
                .map(MessageStore::message)
                .one();
    }

    Mono<ChatMessage> updateContent(UUID messageId, String content, List<ChatMessage.Mention> mentions,
            Instant editedAt) {
        return db.sql(CHANGE + "UPDATE messages SET content = :content, mentions = CAST(:mentions AS jsonb), edited_at = :at,"
                + " change_seq = (SELECT change_seq FROM change) WHERE id = :id AND NOT deleted RETURNING " + COLUMNS)
                .bind("content", content)
                .bind("mentions", ChatJson.mapper().writeValueAsString(mentions))
                .bind("at", editedAt)
                .bind("id", messageId)
                .map(MessageStore::message)
                .one();
    }

    /** Turns the message into its tombstone; {@code edited_at} becomes the time of deletion (its last change). */
    Mono<ChatMessage> tombstone(UUID messageId, Instant deletedAt) {
        return db.sql(CHANGE + "UPDATE messages SET deleted = true, content = '', attachments = '[]'::jsonb,"
                + " mentions = '[]'::jsonb, edited_at = :at, change_seq = (SELECT change_seq FROM change)"
                + " WHERE id = :id AND NOT deleted RETURNING " + COLUMNS)
                .bind("at", deletedAt)
                .bind("id", messageId)
                .map(MessageStore::message)
                .one();
    }

    /** Everyone in the conversation, without push: for changes to messages they already have. */
    Flux<Recipient> participantsWithoutPush(UUID conversationId) {
        return db.sql("SELECT user_id FROM participants WHERE conversation_id = :cid ORDER BY user_id")
                .bind("cid", conversationId)
                .map(row -> new Recipient(row.get("user_id", String.class), false))
                .all();
    }

    Mono<Boolean> existsInConversation(UUID conversationId, UUID messageId) {
        return db.sql("SELECT 1 FROM messages WHERE id = :id AND conversation_id = :cid")
                .bind("id", messageId)
                .bind("cid", conversationId)
                .map(row -> true)
                .one()
                .defaultIfEmpty(false);
    }

    Mono<Long> memberCount(UUID conversationId) {
        return db.sql("SELECT member_count::bigint FROM conversations WHERE id = :cid")
                .bind("cid", conversationId)
                .map(row -> row.get(0, Long.class))
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

    /**
     * Everyone in the conversation; push is wanted by all but the sender, those who muted it, and those whose
     * notify level excludes this message (their choice, else the default for the conversation's size:
     * {@code mentions} in large groups).
     */
    Mono<List<Recipient>> recipients(UUID conversationId, String senderId, Instant now, Set<String> mentioned,
            int largeGroupThreshold) {
        return db.sql("SELECT user_id, muted_until, notify FROM participants WHERE conversation_id = :cid ORDER BY user_id")
                .bind("cid", conversationId)
                .map(row -> new Member(row.get("user_id", String.class), row.get("muted_until", Instant.class),
                        row.get("notify", String.class)))
                .all()
                .collectList()
                .map(members -> members.stream().map(m -> {
                    boolean muted = m.mutedUntil() != null && m.mutedUntil().isAfter(now);
                    String level = NotifyLevel.effective(m.notifyLevel(), members.size(), largeGroupThreshold);
                    boolean push = !m.userId().equals(senderId) && !muted
                            && NotifyLevel.pushes(level, mentioned.contains(m.userId()));
                    return new Recipient(m.userId(), push);
                }).toList());
    }

    /**
     * In a large group (whose events name no recipients): the members who want a push for this message,
     * found without reading the group: those who chose {@code all}, and the mentioned whose level allows it
     * (the default there is {@code mentions}); never the sender, never the muted. At most {@code limit}.
     */
    Mono<List<Recipient>> pushAudience(UUID conversationId, String senderId, Instant now, Set<String> mentioned,
            int limit) {
        return db.sql("""
                SELECT user_id FROM participants
                WHERE conversation_id = :cid AND user_id <> :sender
                  AND (muted_until IS NULL OR muted_until <= :now)
                  AND (notify = 'all' OR (user_id = ANY(CAST(:mentioned AS text[])) AND COALESCE(notify, 'mentions') <> 'none'))
                ORDER BY user_id LIMIT :limit""")
                .bind("cid", conversationId)
                .bind("sender", senderId)
                .bind("now", now)
                .bind("mentioned", mentioned.toArray(String[]::new))
                .bind("limit", limit)
                .map(row -> new Recipient(row.get("user_id", String.class), true))
                .all()
                .collectList();
    }

    private record Member(String userId, Instant mutedUntil, String notifyLevel) {
    }

    /**
     * Up to {@code limit + 1} messages (the extra one tells whether there are more), in ascending seq.
     * Forward from {@code afterSeq} (optionally bounded by {@code beforeSeq}), backward from
     * {@code beforeSeq}, or the newest when neither is given.
     */
    Flux<ChatMessage> page(UUID conversationId, Long afterSeq, Long beforeSeq, int limit) {
        if (afterSeq != null) {
            return db.sql("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = :cid AND seq > :after"
                    + " AND seq < :before ORDER BY seq ASC LIMIT :limit")
                    .bind("cid", conversationId)
                    .bind("after", afterSeq)
                    .bind("before", beforeSeq == null ? Long.MAX_VALUE : beforeSeq)
                    .bind("limit", limit + 1)
                    .map(MessageStore::message)
                    .all();
        }
        return db.sql("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = :cid AND seq < :before"
                + " ORDER BY seq DESC LIMIT :limit")
                .bind("cid", conversationId)
                .bind("before", beforeSeq == null ? Long.MAX_VALUE : beforeSeq)
                .bind("limit", limit + 1)
                .map(MessageStore::message)
                .all();
    }

    /** A conversation as of now, seen by one participant: empty if they are not in it. */
    record Snapshot(long lastSeq, long changeSeq, long members) {
    }

    Mono<Snapshot> snapshot(UUID conversationId, String userId) {
        return db.sql("""
                SELECT c.last_seq, c.change_seq, c.member_count::bigint AS members
                FROM conversations c
                WHERE c.id = :cid AND EXISTS (SELECT 1 FROM participants p WHERE p.conversation_id = c.id AND p.user_id = :user)""")
                .bind("cid", conversationId)
                .bind("user", userId)
                .map(row -> new Snapshot(row.get("last_seq", Long.class), row.get("change_seq", Long.class),
                        row.get("members", Long.class)))
                .one();
    }

    /** Up to {@code limit + 1} messages with {@code afterSeq < seq <= upToSeq}, ascending. */
    Flux<ChatMessage> after(UUID conversationId, long afterSeq, long upToSeq, int limit) {
        return db.sql("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = :cid AND seq > :after AND seq <= :upTo"
                + " ORDER BY seq LIMIT :limit")
                .bind("cid", conversationId)
                .bind("after", afterSeq)
                .bind("upTo", upToSeq)
                .bind("limit", limit + 1)
                .map(MessageStore::message)
                .all();
    }

    /** A message with the change cursor value of its last change. */
    record Changed(ChatMessage message, long changeSeq) {
    }

    /**
     * Up to {@code limit + 1} messages with {@code seq <= upToSeq} whose last change is in
     * {@code (afterChange, upToChange]}, in change order.
     */
    Flux<Changed> changedAfter(UUID conversationId, long upToSeq, long afterChange, long upToChange, int limit) {
        return db.sql("SELECT " + COLUMNS + ", change_seq FROM messages WHERE conversation_id = :cid AND seq <= :upToSeq"
                + " AND change_seq > :after AND change_seq <= :upTo ORDER BY change_seq LIMIT :limit")
                .bind("cid", conversationId)
                .bind("upToSeq", upToSeq)
                .bind("after", afterChange)
                .bind("upTo", upToChange)
                .bind("limit", limit + 1)
                .map(row -> new Changed(message(row), row.get("change_seq", Long.class)))
                .all();
    }

    /** Receipt watermarks of the conversation's participants, or of one of them. */
    Flux<SyncResponse.Watermark> watermarks(UUID conversationId, String onlyUser) {
        DatabaseClient.GenericExecuteSpec spec = onlyUser == null
                ? db.sql("SELECT user_id, delivered_seq, read_seq FROM participants WHERE conversation_id = :cid ORDER BY user_id")
                : db.sql("SELECT user_id, delivered_seq, read_seq FROM participants WHERE conversation_id = :cid AND user_id = :user")
                        .bind("user", onlyUser);
        return spec.bind("cid", conversationId)
                .map(row -> new SyncResponse.Watermark(row.get("user_id", String.class),
                        row.get("delivered_seq", Long.class), row.get("read_seq", Long.class)))
                .all();
    }

    static ChatMessage message(Readable row) {
        return new ChatMessage(
                row.get("id", UUID.class),
                row.get("conversation_id", UUID.class),
                row.get("seq", Long.class),
                row.get("sender_id", String.class),
                row.get("sender_name", String.class),
                row.get("client_message_id", UUID.class),
                row.get("type", String.class),
                row.get("content", String.class),
                ChatJson.mapper().readValue(row.get("attachments", String.class), ATTACHMENTS),
                row.get("reply_to_id", UUID.class),
                ChatJson.mapper().readValue(row.get("mentions", String.class), MENTIONS),
                row.get("created_at", Instant.class),
                row.get("edited_at", Instant.class),
                Boolean.TRUE.equals(row.get("deleted", Boolean.class)));
    }

    /**
     * Batch read for the conversation list (owned by {@code conversation/}): the message at the given seq of
     * each conversation, typically its {@code last_seq}. Conversations without such a message are absent
     * from the result; order is unspecified.
     */
    public Flux<ChatMessage> findBySeqs(java.util.Map<UUID, Long> seqByConversation) {
        if (seqByConversation.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("SELECT " + COLUMNS + " FROM messages WHERE (conversation_id, seq) IN"
                + " (SELECT * FROM unnest(CAST(:cids AS uuid[]), CAST(:seqs AS bigint[])))")
                .bind("cids", seqByConversation.keySet().toArray(UUID[]::new))
                .bind("seqs", seqByConversation.values().toArray(Long[]::new))
                .map(MessageStore::message)
                .all();
    }
}
