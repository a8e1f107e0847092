-- The outbox relay works in lanes: every row belongs to one of 16 lanes by a hash of its key
-- (the conversation id for chat.events), so all events of a conversation share a lane. Each lane is
-- relayed by one instance at a time (a short lease in outbox_lanes), in id order; lanes run in
-- parallel and across instances. A record that cannot be published holds up only the later records
-- of its own key (the relay skips keys whose oldest record is waiting for a retry), never its lane.

ALTER TABLE outbox
    -- generated, so that every writer (any version) puts a key's rows in the same lane
    ADD COLUMN lane            smallint GENERATED ALWAYS AS ((hashtext(event_key) & 2147483647) % 16) STORED,
    ADD COLUMN event_type      text,
    -- failed publish attempts (permanent failures only: a broker outage is retried without counting)
    ADD COLUMN attempts        integer  NOT NULL DEFAULT 0,
    -- set while the row waits for its next attempt; later rows of the same key wait with it
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_error      text;

CREATE INDEX outbox_by_lane ON outbox (lane, id);
-- "does an earlier row of this key wait for a retry?": rows in backoff are few, so this index is tiny
CREATE INDEX outbox_waiting_by_key ON outbox (event_key, id) WHERE next_attempt_at IS NOT NULL;

-- One row per lane: who relays it now. A lease is taken for one relay run (a few batches) and released
-- at its end; one that is not renewed expires, so a crashed instance's lanes are taken over.
CREATE TABLE outbox_lanes (
    lane        smallint    PRIMARY KEY,
    owner       text,
    lease_until timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO outbox_lanes (lane) SELECT generate_series(0, 15);

-- Records the broker refused for good (too large, not serialisable, not authorised) after the
-- configured attempts. An operator inspects them here and replays them with replay_outbox_dead_letters.
CREATE TABLE outbox_dead_letters (
    id              bigint      PRIMARY KEY,
    event_id        uuid        NOT NULL,
    topic           text        NOT NULL,
    event_key       text        NOT NULL,
    event_type      text,
    payload         text        NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL,
    last_error      text,
    dead_lettered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_dead_letters_by_key ON outbox_dead_letters (event_key, id);

-- Moves dead letters back into the outbox (as new rows, after everything pending); returns how many.
--   SELECT messaging.replay_outbox_dead_letters(ARRAY[42, 43]);                  -- these
--   SELECT messaging.replay_outbox_dead_letters(ARRAY(SELECT id FROM messaging.outbox_dead_letters));  -- all
CREATE FUNCTION replay_outbox_dead_letters(ids bigint[]) RETURNS integer
LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM outbox_dead_letters WHERE id = ANY(ids)
        RETURNING id, event_id, topic, event_key, event_type, payload
    ), replayed AS (
        INSERT INTO outbox (event_id, topic, event_key, event_type, payload)
        SELECT event_id, topic, event_key, event_type, payload FROM moved ORDER BY id
        RETURNING 1
    )
    SELECT count(*)::integer FROM replayed
$$;
