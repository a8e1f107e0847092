package dev.chat.websocket.session;

/**
 * Told when a session joins or leaves this node's registry (presence reporting, subscriptions, per-session
 * work). Called on the connection's event loop: implementations only record or queue, never block.
 */
public interface SessionListener {

    /** The session is registered: event frames may reach it from now on. */
    default void sessionOpened(ChatSession session) {
    }

    /** The session has ended (once, and only for sessions that were announced as opened). */
    default void sessionClosed(ChatSession session) {
    }
}
