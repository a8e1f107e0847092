package dev.chat.message.receipt;

/** {@code POST /api/v1/conversations/{id}/receipts}: {@code {"delivered_seq"?, "read_seq"?}}, at least one. */
record ReceiptRequest(Long deliveredSeq, Long readSeq) {
}
