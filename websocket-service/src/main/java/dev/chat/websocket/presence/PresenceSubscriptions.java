package dev.chat.websocket.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.PresenceUpdate;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.messageservice.FailureLog;
import dev.chat.websocket.messageservice.MessageServiceClient;
import dev.chat.websocket.session.ChatSession;
import dev.chat.websocket.session.OutboundFrame;
import dev.chat.websocket.session.ServerFrames;
import dev.chat.websocket.session.SessionListener;

/**
 * Who on this node watches whose presence. {@code presence.subscribe} replaces a session's set: the
 * node asks message-service (with the session's token) which of the requested users share a
 * conversation with the subscriber, keeps those, and writes their current state at once; from then on
 * each {@code presence.updated} for one of them reaches the session. Nobody else gets presence: no
 * group fan-out, no users the subscriber does not share a conversation with.
 *
 * <p>While message-service is asked, the requested users are indexed as pending: updates for them are
 * held (the latest per user) and written after the answer's state, for the users it allowed, so that
 * no change between the question and the answer is lost and nothing reaches a user who was not allowed.
 *
 * <p>Bounded: at most 500 users per session (checked by the frame handler), at most
 * {@code chat.ws.presence.max-subscriptions} (session, user) pairs per node; a session's subscriptions
 * end with it. Memory: roughly 100-200 bytes per pair (the index entry and the session's set).
 */
@Component
public class PresenceSubscriptions implements SessionListener {

    public static final String PRESENCE_FAILED = "presence_failed";
    public static final String TOO_MANY_REQUESTS = "too_many_requests";

    private static final Logger log = LoggerFactory.getLogger(PresenceSubscriptions.class);
    private static final FailureLog failures = new FailureLog(log);

    private final MessageServiceClient messageService;
    private final int maxPairs;
    private final Duration stallTimeout;
    /** user id → sessions watching them (allowed or pending). */
    private final Map<String, Set<ChatSession>> watchers = new ConcurrentHashMap<>();
    private final Map<ChatSession, Subscription> bySession = new ConcurrentHashMap<>();
    private final AtomicInteger pairs = new AtomicInteger();

    PresenceSubscriptions(MessageServiceClient messageService, WebSocketProperties properties, MeterRegistry meters) {
        this.messageService = messageService;
        this.maxPairs = properties.presence().maxSubscriptions();
        this.stallTimeout = properties.sync().stallTimeout();
        Gauge.builder("chat.ws.presence.subscriptions", pairs, AtomicInteger::get)
                .description("(session, watched user) pairs on this node").register(meters);
    }

    /**
     * Replaces the session's subscription with {@code userIds} (already checked: at most 500 valid ids);
     * an empty list unsubscribes. Never blocks.
     */
    public void subscribe(ChatSession session, List<String> userIds, JsonNode ref) {
        if (session.isClosing()) {
            return;
        }
        Set<String> requested = new LinkedHashSet<>(userIds);
        Subscription subscription = bySession.computeIfAbsent(session, s -> new Subscription());
        long generation;
        synchronized (subscription) {
            if (subscription.closed) {
                return;
            }
            int held = subscription.size();
            if (pairs.get() - held + requested.size() > maxPairs) {
                session.send(ServerFrames.error(TOO_MANY_REQUESTS,
                        "This node cannot hold more presence subscriptions now; retry later", ref));
                return;
            }
            dispose(subscription.query);
            subscription.query = null;
            unindex(session, subscription.allowed);
            unindex(session, subscription.pending);
            subscription.allowed = Set.of();
            subscription.pending = requested;
            subscription.held = new LinkedHashMap<>();
            generation = ++subscription.generation;
            index(session, requested);
            if (requested.isEmpty()) {
                return;
            }
        }
        Disposable query = messageService.presence(session.token(), List.copyOf(requested))
                .flatMap(answer -> answered(session, subscription, generation, answer, ref))
                .onErrorResume(e -> {
                    failures.failed("Presence query for session {} failed: {}", session.id(), e.toString());
                    return failed(session, subscription, generation, ref);
                })
                .subscribe();
        synchronized (subscription) {
            if (subscription.generation == generation && !subscription.closed) {
                subscription.query = query;
            } else {
                query.dispose();
            }
        }
    }

    private Mono<Boolean> answered(ChatSession session, Subscription subscription, long generation,
            MessageServiceClient.Answer answer, JsonNode ref) {
        JsonNode presence = answer.ok() && answer.body() != null ? answer.body().get("presence") : null;
        if (presence == null || !presence.isArray()) {
            failures.failed("Presence query for session {} answered {} by message-service", session.id(), answer.status());
            return failed(session, subscription, generation, ref);
        }
        List<OutboundFrame.Text> frames = new ArrayList<>();
        synchronized (subscription) {
            if (subscription.generation != generation || subscription.closed) {
                return Mono.just(false);
            }
            Set<String> allowed = new LinkedHashSet<>();
            for (JsonNode state : presence) {
                String user = state.path("user_id").asString(null);
                // message-service lists only users the subscriber may watch; anything else is ignored
                if (user != null && subscription.pending.contains(user) && allowed.add(user)) {
                    frames.add(ServerFrames.presenceUpdated(state));
                }
            }
            Set<String> refused = new LinkedHashSet<>(subscription.pending);
            refused.removeAll(allowed);
            unindex(session, refused);
            subscription.held.forEach((user, update) -> {
                if (allowed.contains(user)) {
                    frames.add(PresenceDelivery.frame(update));
                }
            });
            subscription.allowed = allowed;
            subscription.pending = Set.of();
            subscription.held = Map.of();
            subscription.query = null;
        }
        return session.sendPaced(frames, stallTimeout);
    }

    private Mono<Boolean> failed(ChatSession session, Subscription subscription, long generation, JsonNode ref) {
        synchronized (subscription) {
            if (subscription.generation != generation || subscription.closed) {
                return Mono.just(false);
            }
            unindex(session, subscription.pending);
            subscription.pending = Set.of();
            subscription.held = Map.of();
            subscription.query = null;
        }
        session.send(ServerFrames.error(PRESENCE_FAILED,
                "Could not subscribe to presence now; send presence.subscribe again", ref));
        return Mono.just(false);
    }

    /** Writes one update's frame to the local sessions watching its user (held for pending ones). */
    void deliver(PresenceUpdate update, OutboundFrame.Text frame) {
        Set<ChatSession> sessions = watchers.get(update.userId());
        if (sessions == null) {
            return;
        }
        for (ChatSession session : sessions) {
            Subscription subscription = bySession.get(session);
            if (subscription == null) {
                continue;
            }
            boolean send;
            synchronized (subscription) {
                send = subscription.allowed.contains(update.userId());
                if (!send && subscription.pending.contains(update.userId())) {
                    subscription.held.remove(update.userId());
                    subscription.held.put(update.userId(), update);
                }
            }
            if (send) {
                session.send(frame);
            }
        }
    }

    /** Whether anyone on this node watches the user (updates for nobody here are not even serialized). */
    boolean isWatched(String userId) {
        return watchers.containsKey(userId);
    }

    @Override
    public void sessionClosed(ChatSession session) {
        Subscription subscription = bySession.remove(session);
        if (subscription == null) {
            return;
        }
        synchronized (subscription) {
            subscription.closed = true;
            dispose(subscription.query);
            unindex(session, subscription.allowed);
            unindex(session, subscription.pending);
            subscription.allowed = Set.of();
            subscription.pending = Set.of();
            subscription.held = Map.of();
        }
    }

    /** The users the session receives presence of (allowed; a snapshot). */
    Set<String> subscribedTo(ChatSession session) {
        Subscription subscription = bySession.get(session);
        if (subscription == null) {
            return Set.of();
        }
        synchronized (subscription) {
            return Set.copyOf(subscription.allowed);
        }
    }

    int pairs() {
        return pairs.get();
    }

    private void index(ChatSession session, Set<String> users) {
        for (String user : users) {
            watchers.compute(user, (u, sessions) -> {
                Set<ChatSession> set = sessions != null ? sessions : ConcurrentHashMap.newKeySet();
                if (set.add(session)) {
                    pairs.incrementAndGet();
                }
                return set;
            });
        }
    }

    private void unindex(ChatSession session, Set<String> users) {
        for (String user : users) {
            watchers.computeIfPresent(user, (u, sessions) -> {
                if (sessions.remove(session)) {
                    pairs.decrementAndGet();
                }
                return sessions.isEmpty() ? null : sessions;
            });
        }
    }

    private static void dispose(Disposable disposable) {
        if (disposable != null) {
            disposable.dispose();
        }
    }

    /** One session's subscription; guarded by itself. Allowed and pending never overlap in the index. */
    private static final class Subscription {
        Set<String> allowed = Set.of();
        Set<String> pending = Set.of();
        /** Updates that arrived for pending users while message-service was asked: the latest per user. */
        Map<String, PresenceUpdate> held = Map.of();
        long generation;
        Disposable query;
        boolean closed;

        int size() {
            return allowed.size() + pending.size();
        }
    }
}
