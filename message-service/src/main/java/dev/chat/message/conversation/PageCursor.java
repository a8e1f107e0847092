package dev.chat.message.conversation;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import dev.chat.shared.problem.ChatException;

/**
 * An opaque keyset cursor: the sort key of the last item of a page. Encoded as base64url (no
 * padding) of {@code <kind>|<epoch microseconds>|<tiebreak>}: the kind keeps a cursor of one list
 * from being used for another, microseconds are PostgreSQL's timestamp precision, and the
 * tiebreak (a conversation id, or a user id, which may contain any character) comes last, whole.
 * Clients must treat cursors as opaque; the format may change.
 *
 * @param kind     which list the cursor pages
 * @param at       the timestamp part of the sort key ({@code last_activity_at} or {@code joined_at})
 * @param tiebreak the unique part of the sort key (conversation id or user id)
 */
record PageCursor(Kind kind, Instant at, String tiebreak) {

    /** Longer than any cursor this class writes (a 128-character user id encodes to ~200). */
    private static final int MAX_LENGTH = 1024;

    enum Kind {
        /** {@code GET /conversations}: (last_activity_at, conversation id), descending. */
        CONVERSATIONS('c'),
        /** {@code GET /conversations/{id}/participants}: (joined_at, user id), ascending. */
        PARTICIPANTS('p');

        private final char tag;

        Kind(char tag) {
            this.tag = tag;
        }
    }

    static PageCursor conversations(Instant lastActivityAt, UUID conversationId) {
        return new PageCursor(Kind.CONVERSATIONS, lastActivityAt, conversationId.toString());
    }

    static PageCursor participants(Instant joinedAt, String userId) {
        return new PageCursor(Kind.PARTICIPANTS, joinedAt, userId);
    }

    String encode() {
        long micros = Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
        String plain = kind.tag + "|" + micros + "|" + tiebreak;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The conversation id of a {@link Kind#CONVERSATIONS} cursor (validated by {@link #decode}). */
    UUID conversationId() {
        return UUID.fromString(tiebreak);
    }

    /**
     * Decodes a cursor of the expected kind; null or blank means "the first page" and gives null.
     *
     * @throws ChatException 400 {@code invalid_cursor} for anything this class did not write
     */
    static PageCursor decode(Kind expected, String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        if (cursor.length() > MAX_LENGTH) {
            throw invalid();
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(cursor.strip());
            String plain = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            String[] parts = plain.split("\\|", 3);
            if (parts.length != 3 || parts[0].length() != 1 || parts[0].charAt(0) != expected.tag
                    || parts[2].isEmpty()) {
                throw invalid();
            }
            long micros = Long.parseLong(parts[1]);
            Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    Math.floorMod(micros, 1_000_000L) * 1_000L);
            PageCursor decoded = new PageCursor(expected, at, parts[2]);
            if (expected == Kind.CONVERSATIONS && !decoded.conversationId().toString().equals(parts[2])) {
                throw invalid(); // UUID.fromString is lenient about short groups; only canonical ids are ours
            }
            return decoded;
        } catch (IllegalArgumentException | CharacterCodingException | DateTimeException | ArithmeticException e) {
            // NumberFormatException and bad UUIDs are IllegalArgumentExceptions too
            throw invalid();
        }
    }

    private static ChatException invalid() {
        return ChatException.invalidField(ConversationErrors.INVALID_CURSOR, "cursor",
                "cursor is not a cursor this list returned");
    }
}
