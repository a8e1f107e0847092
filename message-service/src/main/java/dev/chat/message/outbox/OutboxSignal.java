package dev.chat.message.outbox;

/** Wakes the relay for a lane whose rows were just committed. */
interface OutboxSignal {

    /** Cheap, never blocks, safe from any thread. */
    void signal(int lane);
}
