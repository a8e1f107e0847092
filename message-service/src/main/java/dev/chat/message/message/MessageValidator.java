package dev.chat.message.message;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.Problem;

/**
 * Checks a send against the contract's limits before anything is stored; every violation is a 400
 * with a precise code. Lengths: content counts Unicode code points after trimming; mention offsets
 * and lengths count UTF-16 code units of the content as sent (what JavaScript, Android and
 * NSString index by).
 */
@Component
class MessageValidator {

    static final Set<String> TYPES = Set.of("text", "image", "video", "audio", "file");
    private static final int MAX_URL_LENGTH = 2048;

    private final MessageProperties limits;

    MessageValidator(MessageProperties limits) {
        this.limits = limits;
    }

    /** The client message id from the body or the {@code Idempotency-Key} header (they must agree). */
    UUID clientMessageId(SendMessageRequest request, String idempotencyKey) {
        if (idempotencyKey == null || idempotencyKey.isBlank()) {
            return request.clientMessageId();
        }
        UUID key;
        try {
            key = UUID.fromString(idempotencyKey.strip());
        } catch (IllegalArgumentException e) {
            throw ChatException.badRequest(MessageErrors.INVALID_IDEMPOTENCY_KEY,
                    "The Idempotency-Key header must be a UUID (it is used as client_message_id)");
        }
        if (request.clientMessageId() != null && !request.clientMessageId().equals(key)) {
            throw ChatException.badRequest(MessageErrors.IDEMPOTENCY_KEY_MISMATCH,
                    "The Idempotency-Key header and client_message_id differ");
        }
        return key;
    }

    /** A validated message draft: type defaulted, attachments and mentions in their stored form. */
    record Draft(String type, String content, List<ChatMessage.Attachment> attachments,
            List<ChatMessage.Mention> mentions) {
    }

    Draft validate(SendMessageRequest request) {
        if (request.conversationId() == null) {
            throw new ChatException(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED,
                    "conversation_id is required",
                    List.of(new Problem.FieldError("conversation_id", "is required")));
        }
        String type = request.type() == null ? "text" : request.type();
        if (!TYPES.contains(type)) {
            throw ChatException.invalidField(MessageErrors.INVALID_MESSAGE_TYPE, "type",
                    "type must be one of text, image, video, audio, file");
        }
        List<ChatMessage.Attachment> attachments = attachments(request.attachments());
        String content = request.content() == null ? "" : request.content();
        checkContentLength(content);
        checkNotEmpty(content, !attachments.isEmpty());
        return new Draft(type, content, attachments, mentions(request.mentions(), content));
    }

    /**
     * What an edit asks for, checked as far as the request alone allows (whether empty content is
     * acceptable depends on the message's attachments: {@link #checkNotEmpty}).
     *
     * @param mentions the new mentions, or null to keep those of the message that still fit
     */
    record Edit(String content, List<ChatMessage.Mention> mentions) {
    }

    Edit validateEdit(EditMessageRequest request) {
        if (request.content() == null) {
            throw new ChatException(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, "content is required",
                    List.of(new Problem.FieldError("content", "is required")));
        }
        checkContentLength(request.content());
        return new Edit(request.content(),
                request.mentions() == null ? null : mentions(request.mentions(), request.content()));
    }

    /**
     * The mentions of an edited message: the requested ones, or else the message's existing
     * mentions that still lie within the new content (offsets count UTF-16 units, as on send).
     */
    static List<ChatMessage.Mention> mentionsAfterEdit(ChatMessage message, Edit edit) {
        if (edit.mentions() != null) {
            return edit.mentions();
        }
        return message.mentions().stream()
                .filter(m -> (long) m.offset() + m.length() <= edit.content().length())
                .toList();
    }

    private void checkContentLength(String content) {
        String trimmed = content.strip();
        int length = trimmed.codePointCount(0, trimmed.length());
        if (length > limits.maxContentLength()) {
            throw ChatException.invalidField(MessageErrors.CONTENT_TOO_LONG, "content",
                    "content is " + length + " characters; at most " + limits.maxContentLength() + " are allowed");
        }
    }

    /** Empty (or blank) content is only allowed on a message with attachments. */
    void checkNotEmpty(String content, boolean hasAttachments) {
        if (content.isBlank() && !hasAttachments) {
            throw ChatException.invalidField(MessageErrors.CONTENT_EMPTY, "content",
                    "content must not be empty unless the message has attachments");
        }
    }

    private List<ChatMessage.Attachment> attachments(List<SendMessageRequest.AttachmentInput> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            return List.of();
        }
        if (inputs.size() > limits.maxAttachments()) {
            throw ChatException.invalidField(MessageErrors.TOO_MANY_ATTACHMENTS, "attachments",
                    "at most " + limits.maxAttachments() + " attachments are allowed");
        }
        List<ChatMessage.Attachment> result = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            SendMessageRequest.AttachmentInput a = inputs.get(i);
            String field = "attachments[" + i + "]";
            if (a == null) {
                throw invalidAttachment(field, "must be an object");
            }
            if (a.url() == null || a.url().isBlank() || a.url().length() > MAX_URL_LENGTH || !isHttpUrl(a.url())) {
                throw invalidAttachment(field + ".url", "must be an http(s) URL of at most " + MAX_URL_LENGTH + " characters");
            }
            if (a.mimeType() == null || !a.mimeType().matches("[\\w.+-]+/[\\w.+-]+")) {
                throw invalidAttachment(field + ".mime_type", "must be a MIME type such as image/jpeg");
            }
            if (a.sizeBytes() == null || a.sizeBytes() < 0) {
                throw invalidAttachment(field + ".size_bytes", "is required and must not be negative");
            }
            if (a.width() != null && a.width() < 0 || a.height() != null && a.height() < 0
                    || a.durationMs() != null && a.durationMs() < 0) {
                throw invalidAttachment(field, "width, height and duration_ms must not be negative");
            }
            result.add(new ChatMessage.Attachment(a.url(), a.mimeType(), a.sizeBytes(), a.name(), a.width(),
                    a.height(), a.durationMs()));
        }
        return result;
    }

    private List<ChatMessage.Mention> mentions(List<SendMessageRequest.MentionInput> inputs, String content) {
        if (inputs == null || inputs.isEmpty()) {
            return List.of();
        }
        if (inputs.size() > limits.maxMentions()) {
            throw ChatException.invalidField(MessageErrors.TOO_MANY_MENTIONS, "mentions",
                    "at most " + limits.maxMentions() + " mentions are allowed");
        }
        List<ChatMessage.Mention> result = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            SendMessageRequest.MentionInput m = inputs.get(i);
            String field = "mentions[" + i + "]";
            if (m == null || m.userId() == null || m.userId().isBlank()
                    || m.userId().length() > ChatJwtDecoders.MAX_USER_ID_LENGTH) {
                throw ChatException.invalidField(MessageErrors.INVALID_MENTION, field + ".user_id",
                        "must be a user id of 1.." + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters");
            }
            if (m.offset() == null || m.length() == null || m.offset() < 0 || m.length() < 1
                    || (long) m.offset() + m.length() > content.length()) {
                throw ChatException.invalidField(MessageErrors.INVALID_MENTION, field,
                        "offset and length must lie within the content");
            }
            result.add(new ChatMessage.Mention(m.userId(), m.offset(), m.length()));
        }
        return result;
    }

    /** Checks {@code after_seq}, {@code before_seq} and {@code limit}; returns the effective limit. */
    int pageLimit(Long afterSeq, Long beforeSeq, Integer limit) {
        if (afterSeq != null && afterSeq < 0) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "after_seq", "must be 0 or more");
        }
        if (beforeSeq != null && beforeSeq < 1) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "before_seq", "must be 1 or more");
        }
        if (limit == null) {
            return limits.defaultPageSize();
        }
        if (limit < 1 || limit > limits.maxPageSize()) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "limit",
                    "must be between 1 and " + limits.maxPageSize());
        }
        return limit;
    }

    /** Checks sync's {@code after_seq}, {@code after_change} and {@code limit}; returns the effective limit. */
    int syncLimit(long afterSeq, Long afterChange, Integer limit) {
        if (afterSeq < 0) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "after_seq", "must be 0 or more");
        }
        if (afterChange != null && afterChange < 0) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "after_change", "must be 0 or more");
        }
        if (limit == null) {
            return limits.maxPageSize();
        }
        if (limit < 1 || limit > limits.maxPageSize()) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "limit",
                    "must be between 1 and " + limits.maxPageSize());
        }
        return limit;
    }

    private static ChatException invalidAttachment(String field, String message) {
        return ChatException.invalidField(MessageErrors.INVALID_ATTACHMENT, field, message);
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
