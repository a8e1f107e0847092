package dev.chat.message.message;

/** Error codes of the messages feature (documented in docs/message-service.md). */
final class MessageErrors {

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
    static final String INVALID_PARAMETER = "invalid_parameter";

    private MessageErrors() {
    }
}
