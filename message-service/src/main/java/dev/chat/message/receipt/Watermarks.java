package dev.chat.message.receipt;

/** A participant's receipt watermarks in one conversation: delivered and read up to these seqs. */
record Watermarks(long deliveredSeq, long readSeq) {

    /** Both watermarks only move forward, so of two observations the larger values are the newer. */
    Watermarks max(Watermarks other) {
        return new Watermarks(Math.max(deliveredSeq, other.deliveredSeq), Math.max(readSeq, other.readSeq));
    }

    boolean isAbove(Watermarks other) {
        return deliveredSeq > other.deliveredSeq || readSeq > other.readSeq;
    }
}
