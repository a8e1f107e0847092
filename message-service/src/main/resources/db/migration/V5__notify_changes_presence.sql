-- Per-conversation notification level: 'all' | 'mentions' | 'none'; NULL = the default for the
-- conversation's size ('all', or 'mentions' in large groups).
ALTER TABLE participants
    ADD COLUMN notify text CHECK (notify IN ('all', 'mentions', 'none'));

-- The change cursor: a per-conversation counter raised under the conversation's row lock by every
-- send, edit and delete, so it is gap-free and in commit order, like seq. Each message keeps the value
-- of its last change; sync returns the messages changed after a cursor the client holds.
ALTER TABLE conversations ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
UPDATE conversations SET change_seq = last_seq;
UPDATE messages SET change_seq = seq;
CREATE INDEX messages_by_change ON messages (conversation_id, change_seq);

-- Presence (ARCHITECTURE decision 8), aggregated from chat.presence. Kept in the database rather than
-- in one instance's memory, so that it survives restarts and rebalances, and any instance can expire
-- a dead node or answer a presence query.
CREATE TABLE presence_nodes (
    node_id         text        PRIMARY KEY,
    last_heartbeat  timestamptz NOT NULL
);

-- How many sessions each user has on each node (rows at 0 or below are deleted in the same transaction).
CREATE TABLE presence_sessions (
    user_id   text    NOT NULL,
    node_id   text    NOT NULL,
    sessions  integer NOT NULL,
    PRIMARY KEY (user_id, node_id)
);
CREATE INDEX presence_sessions_by_node ON presence_sessions (node_id);

-- Each user's last known state: online has at least one session somewhere; last_seen_at is when it last changed.
CREATE TABLE user_presence (
    user_id       text        PRIMARY KEY,
    online        boolean     NOT NULL,
    last_seen_at  timestamptz NOT NULL
);

-- Recomputes the presence of these users from presence_sessions and returns those whose state changed
-- (the caller publishes presence.updated for them). The users' rows are locked in user id order, so
-- concurrent refreshes (a node's sessions ending here, a new session there) serialise per user and the
-- last one to commit sees the final truth.
CREATE FUNCTION refresh_presence(users text[], now_at timestamptz)
RETURNS TABLE (user_id text, online boolean, last_seen_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO user_presence AS up (user_id, online, last_seen_at)
    SELECT DISTINCT u, false, now_at FROM unnest(users) AS u
    ON CONFLICT ON CONSTRAINT user_presence_pkey DO NOTHING;
    PERFORM 1 FROM user_presence up WHERE up.user_id = ANY(users) ORDER BY up.user_id FOR UPDATE;
    RETURN QUERY
    UPDATE user_presence up
    SET online = x.now_online, last_seen_at = now_at
    FROM (SELECT u AS uid, EXISTS (SELECT 1 FROM presence_sessions s WHERE s.user_id = u AND s.sessions > 0) AS now_online
          FROM unnest(users) AS u GROUP BY u) x
    WHERE up.user_id = x.uid AND up.online IS DISTINCT FROM x.now_online
    RETURNING up.user_id, up.online, up.last_seen_at;
END
$$;
