-- The receipt.updated coalescing window of each (conversation, participant), shared by every
-- message-service instance (API.md: at most one receipt.updated per pair per second, however many
-- instances take the pair's receipts; docs/message-service.md, "Receipts with several instances").
-- Kept on the participant's row because every watermark change already updates that row: opening a
-- window costs no extra statement. receipt_window_until: when the current window ends (NULL: never
-- opened). receipt_published_*: the watermarks the last receipt.updated carried; a window that ends
-- with the watermarks above them publishes once more. Constant defaults: no table rewrite.
ALTER TABLE participants
    ADD COLUMN receipt_window_until        timestamptz,
    ADD COLUMN receipt_published_delivered bigint NOT NULL DEFAULT 0,
    ADD COLUMN receipt_published_read      bigint NOT NULL DEFAULT 0;
