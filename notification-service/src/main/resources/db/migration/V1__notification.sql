-- notification-service owns the schema `notification`: device registrations, the push log (one push per
-- message and device), each user's unread messages (the iOS badge) and push dead letters.

-- One row per push token. A token belongs to one user at a time: registered again by another user, it moves.
CREATE TABLE devices (
    token        text        PRIMARY KEY,
    user_id      text        NOT NULL,
    platform     text        NOT NULL CHECK (platform IN ('android', 'ios')),
    -- the APNs topic (bundle id) for iOS; informational for Android
    app_id       text,
    environment  text        NOT NULL DEFAULT 'production' CHECK (environment IN ('production', 'sandbox')),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    -- the badge we last set on this device (iOS), null until we set one: a read changes it only if it is stale
    last_badge   integer
);
CREATE INDEX devices_by_user ON devices (user_id, created_at);

-- The dedupe record: at most one alert per (message, device). A row is claimed (with a lease) before the
-- provider is called and marked sent once it accepted; an instance that finds a live claim of another
-- instance waits for it to end. Rows are deleted after chat.push.log-retention.
CREATE TABLE push_log (
    message_id       uuid        NOT NULL,
    token            text        NOT NULL,
    conversation_id  uuid        NOT NULL,
    seq              bigint      NOT NULL,
    user_id          text        NOT NULL,
    provider         text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('claimed', 'sent', 'invalid', 'dead')),
    owner            text,
    claimed_until    timestamptz,
    provider_id      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, token)
);
CREATE INDEX push_log_by_age ON push_log (created_at);

-- Each user's unread messages per conversation, from the events (kept for users with a device only):
-- the seqs of messages others sent after the user's read watermark, the newest 1000 of them, plus how
-- many older ones were evicted. The badge is the sum over the user's rows.
CREATE TABLE unread (
    user_id          text        NOT NULL,
    conversation_id  uuid        NOT NULL,
    read_seq         bigint      NOT NULL DEFAULT 0,
    seqs             bigint[]    NOT NULL DEFAULT '{}',
    older_unread     integer     NOT NULL DEFAULT 0,
    -- the highest seq an alert was pushed for: a read beyond it clears the conversation's notifications
    notified_seq     bigint      NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, conversation_id)
);

-- A message (seq) others sent in the conversation: unread for each of `users` who has a device and has not
-- read that far. Idempotent (a redelivered event changes nothing).
CREATE FUNCTION unread_add(users text[], cid uuid, message_seq bigint, cap integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO unread AS u (user_id, conversation_id, seqs)
    SELECT d.user_id, cid, ARRAY[message_seq]
    FROM (SELECT DISTINCT user_id FROM devices WHERE user_id = ANY(users)) d
    ORDER BY d.user_id COLLATE "C"
    ON CONFLICT (user_id, conversation_id) DO UPDATE SET
        seqs = CASE WHEN message_seq <= u.read_seq OR message_seq = ANY(u.seqs) THEN u.seqs
                    ELSE (SELECT array_agg(s ORDER BY s) FROM (
                              SELECT s FROM unnest(u.seqs || message_seq) s ORDER BY s DESC LIMIT cap) newest) END,
        older_unread = CASE WHEN message_seq <= u.read_seq OR message_seq = ANY(u.seqs) THEN u.older_unread
                            WHEN cardinality(u.seqs) >= cap THEN u.older_unread + 1
                            ELSE u.older_unread END,
        updated_at = now()
$$;

-- Many (user, conversation, seq) at once, one round trip for a batch of events. Taken in user, conversation, seq
-- order: the row lock order of every multi-row writer of this table (so they never deadlock), and each
-- conversation's seqs in order.
CREATE FUNCTION unread_add_all(users text[], cids uuid[], message_seqs bigint[], cap integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM unnest(users, cids, message_seqs) AS t(user_id, cid, message_seq)
             ORDER BY user_id COLLATE "C", cid, message_seq LOOP
        PERFORM unread_add(ARRAY[r.user_id], r.cid, r.message_seq, cap);
    END LOOP;
END
$$;

-- The user read up to read_to. Returns whether unread messages were cleared (changed), whether an alert
-- of this conversation may still be showing (notified), and the user's new total. No row, no device: nothing.
CREATE FUNCTION unread_read(p_user text, cid uuid, read_to bigint)
RETURNS TABLE (changed boolean, notified boolean, total bigint)
LANGUAGE plpgsql AS $$
DECLARE
    before unread%ROWTYPE;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM devices WHERE user_id = p_user) THEN
        RETURN;
    END IF;
    INSERT INTO unread (user_id, conversation_id, read_seq) VALUES (p_user, cid, read_to)
    ON CONFLICT (user_id, conversation_id) DO NOTHING;
    SELECT * INTO before FROM unread WHERE user_id = p_user AND conversation_id = cid FOR UPDATE;
    IF read_to <= before.read_seq THEN
        changed := false;
        notified := false;
    ELSE
        UPDATE unread SET
            read_seq = read_to,
            seqs = ARRAY(SELECT s FROM unnest(before.seqs) s WHERE s > read_to ORDER BY s),
            older_unread = CASE WHEN cardinality(before.seqs) = 0 OR read_to >= before.seqs[1] - 1 THEN 0
                                ELSE before.older_unread END,
            updated_at = now()
        WHERE user_id = p_user AND conversation_id = cid;
        changed := cardinality(before.seqs) > 0 AND before.seqs[1] <= read_to;
        notified := before.notified_seq > before.read_seq;
    END IF;
    SELECT COALESCE(SUM(cardinality(u.seqs) + u.older_unread), 0) INTO total FROM unread u WHERE u.user_id = p_user;
    RETURN NEXT;
END
$$;

-- Pushes that failed for good (after the configured attempts, or a permanent error). Inspect, then replay
-- with replay_push_dead_letters(ids): the service sends them again (and sets them aside again if they fail).
CREATE TABLE push_dead_letters (
    id                   bigserial   PRIMARY KEY,
    kind                 text        NOT NULL,
    message_id           uuid,
    conversation_id      uuid        NOT NULL,
    seq                  bigint,
    user_id              text        NOT NULL,
    token                text        NOT NULL,
    platform             text        NOT NULL,
    provider             text        NOT NULL,
    -- the rendered push, exactly what is sent again on replay
    notification         jsonb       NOT NULL,
    reason               text        NOT NULL,
    attempts             integer     NOT NULL,
    first_attempt_at     timestamptz NOT NULL,
    dead_lettered_at     timestamptz NOT NULL DEFAULT now(),
    -- set by replay_push_dead_letters; an instance takes due rows (with a 5-minute lease) and sends them
    replay_at            timestamptz
);
CREATE INDEX push_dead_letters_to_replay ON push_dead_letters (replay_at) WHERE replay_at IS NOT NULL;

CREATE FUNCTION replay_push_dead_letters(ids bigint[]) RETURNS integer
LANGUAGE sql AS $$
    WITH marked AS (UPDATE push_dead_letters SET replay_at = now() WHERE id = ANY(ids) RETURNING 1)
    SELECT count(*)::integer FROM marked
$$;
