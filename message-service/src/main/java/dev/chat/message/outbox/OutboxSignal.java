package dev.chat.message.outbox;

/** Lets features ask the relay to publish right after they committed outbox rows. */
public interface OutboxSignal {

    /** Cheap, never blocks, safe from any thread. */
    void signal();
}
