-- Receipts are watermarks (participants.delivered_seq / read_seq, only ever raised). These columns
-- record when each watermark last moved: GET /api/v1/messages/{id}/receipts answers them as `at`.
-- Null until the watermark first moves.

ALTER TABLE participants
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN read_at      timestamptz;

