package dev.chat.message.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.chat.shared.problem.ChatException;

class MessageValidatorTest {

    final MessageValidator validator = new MessageValidator(new MessageProperties(10, 2, 2, 50, 200));
    final UUID conversation = UUID.randomUUID();

    SendMessageRequest request(String content, List<SendMessageRequest.AttachmentInput> attachments,
            List<SendMessageRequest.MentionInput> mentions) {
        return new SendMessageRequest(conversation, null, null, content, attachments, null, mentions);
    }

    @Test
    void countsCodePointsAfterTrimming() {
        assertThat(validator.validate(request("  " + "\uD83D\uDE00".repeat(10) + "  ", null, null)).content())
                .startsWith("  "); // stored as sent
        assertThatThrownBy(() -> validator.validate(request("x".repeat(11), null, null)))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo("content_too_long"));
    }

    @Test
    void emptyContentNeedsAnAttachment() {
        assertThatThrownBy(() -> validator.validate(request(null, null, null)))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo("content_empty"));
        var photo = new SendMessageRequest.AttachmentInput("https://cdn.example/p.jpg", "image/jpeg", 10L, null, null,
                null, null);
        assertThat(validator.validate(request("", List.of(photo), null)).attachments()).hasSize(1);
    }

    @Test
    void defaultsTheTypeToTextAndRejectsUnknownTypes() {
        assertThat(validator.validate(request("hi", null, null)).type()).isEqualTo("text");
        assertThatThrownBy(() -> validator.validate(
                new SendMessageRequest(conversation, null, "gif", "hi", null, null, null)))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo("invalid_message_type"));
    }

    @Test
    void mentionsMustLieWithinTheContentInUtf16Units() {
        // "\uD83D\uDE00 @bo" is 6 UTF-16 units: the mention at 3..5 fits, 3..6 does not
        assertThat(validator.validate(request("\uD83D\uDE00 @bo", null,
                List.of(new SendMessageRequest.MentionInput("bo", 3, 3)))).mentions()).hasSize(1);
        assertThatThrownBy(() -> validator.validate(request("\uD83D\uDE00 @bo", null,
                List.of(new SendMessageRequest.MentionInput("bo", 3, 4)))))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo("invalid_mention"));
    }

    @Test
    void idempotencyKeyHeaderMustBeAUuidAndAgreeWithTheBody() {
        UUID key = UUID.randomUUID();
        var body = new SendMessageRequest(conversation, null, null, "hi", null, null, null);
        assertThat(validator.clientMessageId(body, key.toString())).isEqualTo(key);
        assertThat(validator.clientMessageId(body, null)).isNull();
        assertThatThrownBy(() -> validator.clientMessageId(body, "abc"))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo("invalid_idempotency_key"));
        var other = new SendMessageRequest(conversation, UUID.randomUUID(), null, "hi", null, null, null);
        assertThatThrownBy(() -> validator.clientMessageId(other, key.toString()))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo("idempotency_key_mismatch"));
    }
}
