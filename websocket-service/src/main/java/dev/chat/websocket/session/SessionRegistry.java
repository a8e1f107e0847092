package dev.chat.websocket.session;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The sessions connected to this node, by user id (a user may have several devices). Safe for
 * concurrent use: sessions come and go on event-loop threads while the Kafka consumer delivers.
 * {@link SessionListener}s hear of every session that was registered while the node accepted
 * sessions, once when it opens and once when it ends.
 */
@Component
public class SessionRegistry {

    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

    /** A user's sessions, copied on write: most users have one or two, and a set per user cost ~1 KB each. */
    private final ConcurrentHashMap<String, ChatSession[]> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final ObjectProvider<SessionListener> listeners;
    private volatile boolean accepting = true;

    SessionRegistry(MeterRegistry meters, ObjectProvider<SessionListener> listeners) {
        this.listeners = listeners;
        Gauge.builder("chat.ws.sessions", size, AtomicInteger::get)
                .description("WebSocket sessions connected to this node")
                .register(meters);
    }

    /** Whether the user has a session on this node (events for nobody here are not even serialized). */
    public boolean hasSessions(String userId) {
        return byUser.containsKey(userId);
    }

    /**
     * Queues an event frame to every local session of a user; never blocks.
     *
     * @return how many sessions took it
     */
    public int deliver(String userId, OutboundFrame.Text frame) {
        ChatSession[] sessions = byUser.get(userId);
        if (sessions == null) {
            return 0;
        }
        int delivered = 0;
        for (ChatSession session : sessions) {
            if (session.send(frame)) {
                delivered++;
            }
        }
        return delivered;
    }

    /**
     * Closes with 4401 (after what is queued) every session of the user whose token was issued before
     * {@code issuedBefore}, or has no {@code iat}.
     *
     * @return how many sessions are closing
     */
    public int closeRevoked(String userId, Instant issuedBefore) {
        int closed = 0;
        for (ChatSession session : sessionsOf(userId)) {
            if (session.issuedAt() == null || session.issuedAt().isBefore(issuedBefore)) {
                session.closeAfterDrain(CloseCodes.TOKEN_REVOKED);
                closed++;
            }
        }
        return closed;
    }

    /** Registers a new session; false once the node is shutting down (the caller closes it with 1012). */
    boolean add(ChatSession session) {
        byUser.compute(session.userId(), (user, sessions) -> {
            if (sessions == null) {
                return new ChatSession[] {session};
            }
            ChatSession[] more = Arrays.copyOf(sessions, sessions.length + 1);
            more[sessions.length] = session;
            return more;
        });
        size.incrementAndGet();
        boolean accepted = accepting;
        if (accepted) {
            synchronized (session) {
                session.announced = true;
            }
            listeners.orderedStream().forEach(listener -> notify(listener, session, true));
        }
        return accepted;
    }

    void remove(ChatSession session) {
        boolean[] removed = {false};
        byUser.computeIfPresent(session.userId(), (user, sessions) -> {
            ChatSession[] rest = Arrays.stream(sessions).filter(s -> s != session).toArray(ChatSession[]::new);
            removed[0] = rest.length < sessions.length;
            return rest.length == 0 ? null : rest;
        });
        if (!removed[0]) {
            return;
        }
        size.decrementAndGet();
        boolean announced;
        synchronized (session) {
            announced = session.announced;
            session.announced = false;
        }
        if (announced) {
            listeners.orderedStream().forEach(listener -> notify(listener, session, false));
        }
    }

    private static void notify(SessionListener listener, ChatSession session, boolean opened) {
        try {
            if (opened) {
                listener.sessionOpened(session);
            } else {
                listener.sessionClosed(session);
            }
        } catch (RuntimeException e) {
            log.error("Session listener {} failed for session {}", listener.getClass().getSimpleName(), session.id(), e);
        }
    }

    /** Accepts new sessions (again). */
    void open() {
        accepting = true;
    }

    /** Stops accepting sessions and asks every open one to close with {@code status}. */
    void closeAll(CloseStatus status) {
        accepting = false;
        byUser.values().forEach(sessions -> Arrays.stream(sessions).forEach(session -> session.closeAfterDrain(status)));
    }

    /** Every session on this node (the heartbeat sweep); weakly consistent, never blocks. */
    void forEachSession(java.util.function.Consumer<ChatSession> action) {
        byUser.values().forEach(sessions -> {
            for (ChatSession session : sessions) {
                action.accept(session);
            }
        });
    }

    public int size() {
        return size.get();
    }

    /** The user's sessions on this node (a snapshot). */
    public List<ChatSession> sessionsOf(String userId) {
        ChatSession[] sessions = byUser.get(userId);
        return sessions == null ? List.of() : List.of(sessions);
    }
}
