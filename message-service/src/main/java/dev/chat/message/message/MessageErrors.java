package dev.chat.message.message;

import dev.chat.shared.problem.ChatException;

/** Error codes of the messages feature (documented in docs/message-service.md). */
public final class MessageErrors {

    static final String CONTENT_EMPTY = "content_empty";
    static final String CONTENT_TOO_LONG = "content_too_long";
    static final String TOO_MANY_ATTACHMENTS = "too_many_attachments";
    static final String INVALID_ATTACHMENT = "invalid_attachment";
    static final String TOO_MANY_MENTIONS = "too_many_mentions";
    static final String INVALID_MENTION = "invalid_mention";
    static final String INVALID_MESSAGE_TYPE = "invalid_message_type";
    static final String INVALID_REPLY_TO = "invalid_reply_to";
    static final String INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key";
    static final String IDEMPOTENCY_KEY_MISMATCH = "idempotency_key_mismatch";
    static final String CLIENT_MESSAGE_ID_REUSED = "client_message_id_reused";
    /** 404 for a message that does not exist or whose conversation the caller is not in: existence never leaks. */
    public static final String MESSAGE_NOT_FOUND = "message_not_found";
    /** 403: only the sender may edit or delete a message. */
    static final String NOT_THE_SENDER = "not_the_sender";
    /** 409: a deleted message cannot be edited. */
    static final String MESSAGE_DELETED = "message_deleted";

    private MessageErrors() {
    }

    public static ChatException messageNotFound() {
        return ChatException.notFound(MESSAGE_NOT_FOUND, "No such message, or you are not a participant of its conversation");
    }

    static ChatException notTheSender() {
        return ChatException.forbidden(NOT_THE_SENDER, "Only the sender may change this message");
    }

    static ChatException messageDeleted() {
        return ChatException.conflict(MESSAGE_DELETED, "This message was deleted and can no longer be edited");
    }
}
