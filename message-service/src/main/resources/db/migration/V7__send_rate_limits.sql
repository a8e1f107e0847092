-- The per-user send limit (API.md: 10 messages/s, burst 20), shared by every message-service instance so
-- that it holds with any number of replicas (docs/message-service.md, "Send limit"). One row per user who
-- sent recently: the GCRA "theoretical arrival time" (when the user's bucket would be full again, plus one
-- emission interval). A row whose tat is in the past is the same as no row (a full bucket), so rows can be
-- deleted at any time; idle ones are swept.
-- UNLOGGED: no WAL for a write on every send. After a crash PostgreSQL empties the table, which only gives
-- every user a full bucket again: harmless. No index but the key: tat changes on every send, and an index
-- on it would forbid HOT updates; the sweep scans the (small) table instead.
CREATE UNLOGGED TABLE send_rate_limits (
    user_id text        PRIMARY KEY,
    tat     timestamptz NOT NULL
);
