-- message-service owns the `messaging` schema (Flyway runs with this as its default schema).

CREATE TABLE conversations (
    id                uuid        PRIMARY KEY,
    type              text        NOT NULL CHECK (type IN ('direct', 'group')),
    title             text,
    created_by        text        NOT NULL,
    created_at        timestamptz NOT NULL,
    -- the per-conversation order: raised by one in every send transaction (row lock = order)
    last_seq          bigint      NOT NULL DEFAULT 0,
    last_activity_at  timestamptz NOT NULL,
    -- direct conversations exist once per pair: both user ids, sorted, length-prefixed
    direct_key        text        UNIQUE,
    CHECK ((type = 'direct') = (direct_key IS NOT NULL))
);

CREATE TABLE participants (
    conversation_id   uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id           text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
    role              text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at         timestamptz NOT NULL,
    -- receipt watermarks: only ever raised
    delivered_seq     bigint      NOT NULL DEFAULT 0,
    read_seq          bigint      NOT NULL DEFAULT 0,
    muted_until       timestamptz,
    PRIMARY KEY (conversation_id, user_id)
);

CREATE INDEX participants_by_user ON participants (user_id, conversation_id);

CREATE TABLE messages (
    id                uuid        PRIMARY KEY,
    conversation_id   uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               bigint      NOT NULL,
    sender_id         text        NOT NULL,
    sender_name       text,
    client_message_id uuid,
    type              text        NOT NULL CHECK (type IN ('text', 'image', 'video', 'audio', 'file')),
    content           text        NOT NULL,
    attachments       jsonb       NOT NULL DEFAULT '[]',
    reply_to_id       uuid,
    mentions          jsonb       NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL,
    edited_at         timestamptz,
    deleted           boolean     NOT NULL DEFAULT false,
    CONSTRAINT messages_conversation_seq UNIQUE (conversation_id, seq),
    -- idempotent sends: a retry with the same client_message_id finds the original (NULLs never collide)
    CONSTRAINT messages_sender_client_id UNIQUE (sender_id, client_message_id)
);

-- Events waiting to be published to Kafka. Written in the same transaction as the change they
-- describe; the relay publishes them in id order (per conversation this is seq order) and deletes them.
CREATE TABLE outbox (
    id                bigserial   PRIMARY KEY,
    event_id          uuid        NOT NULL,
    topic             text        NOT NULL,
    event_key         text        NOT NULL,
    payload           text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
