package dev.chat.message.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.chat.shared.problem.ChatException;

class PageCursorTest {

    @Test
    void conversationCursorRoundTripsWithMicrosecondPrecision() {
        Instant at = Instant.parse("2026-11-21T12:00:00.123456Z");
        UUID id = UUID.randomUUID();

        String encoded = PageCursor.conversations(at, id).encode();
        PageCursor decoded = PageCursor.decode(PageCursor.Kind.CONVERSATIONS, encoded);

        assertThat(encoded).matches("[A-Za-z0-9_-]+"); // URL-safe, no padding: fits a query string as it is
        assertThat(decoded.at()).isEqualTo(at);
        assertThat(decoded.conversationId()).isEqualTo(id);
    }

    @Test
    void participantCursorKeepsAnyUserIdWhole() {
        Instant at = Instant.parse("1969-12-31T23:59:59.999999Z"); // negative epoch micros too
        String userId = "auth0|weird|id with spaces/ünïcødé";

        PageCursor decoded = PageCursor.decode(PageCursor.Kind.PARTICIPANTS,
                PageCursor.participants(at, userId).encode());

        assertThat(decoded.at()).isEqualTo(at);
        assertThat(decoded.tiebreak()).isEqualTo(userId);
    }

    @Test
    void absentOrBlankCursorMeansTheFirstPage() {
        assertThat(PageCursor.decode(PageCursor.Kind.CONVERSATIONS, null)).isNull();
        assertThat(PageCursor.decode(PageCursor.Kind.CONVERSATIONS, " ")).isNull();
    }

    @Test
    void aCursorOfOneListIsRejectedByTheOther() {
        String participants = PageCursor.participants(Instant.now(), UUID.randomUUID().toString()).encode();
        String conversations = PageCursor.conversations(Instant.now(), UUID.randomUUID()).encode();

        assertInvalid(PageCursor.Kind.CONVERSATIONS, participants);
        assertInvalid(PageCursor.Kind.PARTICIPANTS, conversations);
    }

    @ParameterizedTest
    @ValueSource(strings = { "not base64!", "Zm9v", "x", "=====" })
    void garbageIsAnInvalidCursor(String cursor) {
        assertInvalid(PageCursor.Kind.CONVERSATIONS, cursor);
        assertInvalid(PageCursor.Kind.PARTICIPANTS, cursor);
    }

    @Test
    void wellFormedButWrongContentIsAnInvalidCursor() {
        assertInvalid(PageCursor.Kind.CONVERSATIONS, b64("c|123|not-a-uuid"));
        assertInvalid(PageCursor.Kind.CONVERSATIONS, b64("c|123|1-1-1-1-1")); // lenient UUID forms are not ours
        assertInvalid(PageCursor.Kind.CONVERSATIONS, b64("c|12x|" + UUID.randomUUID()));
        assertInvalid(PageCursor.Kind.CONVERSATIONS, b64("c|" + Long.MAX_VALUE + "0|" + UUID.randomUUID()));
        assertInvalid(PageCursor.Kind.PARTICIPANTS, b64("p|123|"));
        assertInvalid(PageCursor.Kind.PARTICIPANTS, b64("p|123"));
        assertInvalid(PageCursor.Kind.PARTICIPANTS, "A".repeat(2000));
        assertInvalid(PageCursor.Kind.PARTICIPANTS,
                Base64.getUrlEncoder().encodeToString(new byte[] { 'p', '|', '1', '|', (byte) 0xff }));
    }

    private static String b64(String plain) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertInvalid(PageCursor.Kind kind, String cursor) {
        assertThatThrownBy(() -> PageCursor.decode(kind, cursor))
                .isInstanceOfSatisfying(ChatException.class, e -> {
                    assertThat(e.status().value()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_cursor");
                });
    }
}
