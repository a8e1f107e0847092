package dev.chat.websocket.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.messageservice.MessageServiceClient;
import dev.chat.websocket.session.ChatSession;
import dev.chat.websocket.session.OutboundFrame;
import dev.chat.websocket.session.SessionListener;
import dev.chat.websocket.session.SessionRegistry;

/**
 * Delivery of large groups' events ({@code audience: "conversation"}), which name no members: every
 * session on this node is subscribed to its user's large conversations, and such an event goes to the
 * sessions subscribed to its conversation.
 *
 * <ul>
 *   <li>When a session opens, its subscriptions are loaded from message-service
 *       ({@code GET /api/v1/large-conversations}, with the session's own token), retried with backoff
 *       while message-service fails, for at most {@code chat.ws.large-groups.load-timeout}.</li>
 *   <li>While they load, the large groups' events this node delivers are kept (at most
 *       {@code replay-events} of them, only while some session is loading); once loaded, the session
 *       receives those of its conversations it has not received yet, in order. A session whose load
 *       fails, or which fell further behind than what is kept, is closed with 1013: it reconnects with
 *       backoff and syncs, rather than silently missing messages.</li>
 *   <li>An event's {@code recipients} are delivered to as well, and their sessions subscribed (members
 *       added; every member once when the group became large); the users in {@code unsubscribe} (removed
 *       members) are unsubscribed once it is delivered.</li>
 * </ul>
 *
 * <p>Called on the Kafka consumer thread (events) and on event loops and HTTP client threads (sessions
 * opening, closing, loads completing); one lock guards the subscriptions, and nothing under it blocks
 * (queueing a frame to a session never does). An event's frame is handed to each event loop of its
 * subscribed sessions as one task, outside the lock ({@link SessionsByLoop}, {@link ChatSession#deliverOnLoop}).
 */
@Component
class LargeGroupSubscriptions implements SessionListener {

    private static final Logger log = LoggerFactory.getLogger(LargeGroupSubscriptions.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    private final SessionRegistry sessions;
    private final MessageServiceClient messageService;
    private final int replayCapacity;
    private final Duration loadTimeout;
    private final Counter loadFailures;
    private final Counter replayed;
    private final Counter framesQueued;

    /** Guarded by this. */
    private final Map<UUID, SessionsByLoop<ChatSession>> byConversation = new HashMap<>();
    /** Guarded by this. */
    private final Map<ChatSession, Set<UUID>> bySession = new HashMap<>();
    /** Sessions whose subscriptions are loading; guarded by this. */
    private final Map<ChatSession, Loading> loading = new HashMap<>();
    /** The large groups' events delivered since the oldest loading session opened; guarded by this. */
    private final ArrayDeque<Delivered> recent = new ArrayDeque<>();
    /** Index of the next large-group event; guarded by this. */
    private long next;
    /** (session, conversation) pairs; guarded by this. */
    private int pairs;

    LargeGroupSubscriptions(SessionRegistry sessions, MessageServiceClient messageService,
            WebSocketProperties properties, MeterRegistry meters) {
        this.sessions = sessions;
        this.messageService = messageService;
        this.replayCapacity = properties.largeGroups().replayEvents();
        this.loadTimeout = properties.largeGroups().loadTimeout();
        this.loadFailures = Counter.builder("chat.ws.large-groups.load-failures")
                .description("Sessions closed with 1013 because their large groups could not be loaded in time")
                .register(meters);
        this.replayed = Counter.builder("chat.ws.large-groups.replayed")
                .description("Large-group event frames queued to a session once its subscriptions had loaded")
                .register(meters);
        // the same meter as EventDelivery's: the event loops' tasks count what they delivered
        this.framesQueued = Counter.builder("chat.ws.frames.queued").description("Event frames queued to sessions")
                .register(meters);
        Gauge.builder("chat.ws.large-groups.subscriptions", this, LargeGroupSubscriptions::pairs)
                .description("(session, large conversation) subscriptions on this node").register(meters);
        Gauge.builder("chat.ws.large-groups.loading", this, LargeGroupSubscriptions::loadingCount)
                .description("Sessions whose large-group subscriptions are loading").register(meters);
    }

    @Override
    public void sessionOpened(ChatSession session) {
        Loading state;
        synchronized (this) {
            state = new Loading(next);
            loading.put(session, state);
        }
        Disposable call = Mono.defer(() -> messageService.largeConversations(session.token()))
                .map(LargeGroupSubscriptions::conversationIds)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_RETRY).maxBackoff(MAX_RETRY)
                        .filter(error -> !(error instanceof Unreadable)))
                .timeout(loadTimeout)
                .subscribe(conversations -> loaded(session, conversations), error -> failed(session, error));
        synchronized (this) {
            if (loading.get(session) == state) {
                state.call = call;
                return;
            }
        }
        call.dispose();
    }

    @Override
    public void sessionClosed(ChatSession session) {
        Disposable call = null;
        synchronized (this) {
            Loading state = loading.remove(session);
            if (state != null) {
                call = state.call;
            }
            trimRecent();
            Set<UUID> conversations = bySession.remove(session);
            if (conversations != null) {
                for (UUID conversation : conversations) {
                    removeFromConversation(session, conversation);
                }
            }
        }
        if (call != null) {
            call.dispose();
        }
    }

    /**
     * Delivers a large group's event: to the sessions subscribed to its conversation and the local sessions
     * of its recipients (which it subscribes), then unsubscribes the sessions of {@code unsubscribe}. The
     * subscribed sessions get it by one task per event loop ({@link ChatSession#deliverOnLoop}), which counts
     * them in {@code chat.ws.frames.queued} itself.
     *
     * @return how many sessions took the frame on this thread (sessions without an event loop)
     */
    int deliver(ChatEvent event, Supplier<OutboundFrame.Text> frameOf) {
        UUID conversation = event.conversationId();
        OutboundFrame.Text frame = null;
        List<SessionsByLoop.Batch<ChatSession>> batches;
        synchronized (this) {
            // the recipients first: subscribed, they are among the conversation's sessions below
            for (Recipient recipient : event.recipients()) {
                if (recipient != null && recipient.userId() != null) {
                    for (ChatSession session : sessions.sessionsOf(recipient.userId())) {
                        subscribe(session, conversation);
                    }
                }
            }
            SessionsByLoop<ChatSession> subscribed = byConversation.get(conversation);
            // a snapshot, rebuilt only after a change: a session that overflows closes, which unsubscribes it
            batches = subscribed == null ? List.of() : subscribed.batches();
            if (!batches.isEmpty() || !loading.isEmpty()) {
                frame = frameOf.get();
            }
            for (String user : event.unsubscribe()) {
                for (ChatSession session : sessions.sessionsOf(user)) {
                    unsubscribe(session, conversation);
                }
            }
            if (!loading.isEmpty()) {
                recent.add(new Delivered(next, event, frame));
                if (recent.size() > replayCapacity) {
                    recent.removeFirst();
                }
            }
            next++;
        }
        // outside the lock: handing a task to a loop never blocks, and the loops deliver in parallel; tasks of
        // one loop run in the order submitted, so a conversation's events keep their order per session
        int queued = 0;
        for (SessionsByLoop.Batch<ChatSession> batch : batches) {
            queued += deliver(batch, frame);
        }
        return queued;
    }

    private int deliver(SessionsByLoop.Batch<ChatSession> batch, OutboundFrame.Text frame) {
        Executor loop = batch.loop();
        if (loop != null) {
            try {
                loop.execute(() -> framesQueued.increment(ChatSession.deliverOnLoop(batch.sessions(), frame)));
                return 0;
            } catch (RejectedExecutionException e) {
                // the loop is shutting down: its sessions are closing; queue as before
            }
        }
        int queued = 0;
        for (ChatSession session : batch.sessions()) {
            if (session.send(frame)) {
                queued++;
            }
        }
        return queued;
    }

    private void loaded(ChatSession session, Set<UUID> conversations) {
        boolean fellBehind = false;
        synchronized (this) {
            Loading state = loading.remove(session);
            if (state == null) {
                return; // closed meanwhile
            }
            if (!recent.isEmpty() && recent.peekFirst().index() > state.from) {
                fellBehind = true;
            } else {
                replay(session, state.from, conversations);
                for (UUID conversation : conversations) {
                    subscribe(session, conversation);
                }
            }
            trimRecent();
        }
        if (fellBehind) {
            log.warn("Session {} fell more than {} large-group events behind while its subscriptions loaded: closing "
                    + "it with 1013", session.id(), replayCapacity);
            loadFailures.increment();
            session.closeTryAgainLater();
        }
    }

    /**
     * The events delivered since the session opened, for it, as if it had been subscribed all along: those of
     * its conversations that did not reach it directly are queued. What reached it directly is replayed too:
     * an event naming it (delivered to it, and subscribing it), and the later events of such a conversation;
     * an event unsubscribing it ends both. Guarded by this.
     */
    private void replay(ChatSession session, long from, Set<UUID> conversations) {
        Set<UUID> direct = new HashSet<>();
        for (Delivered delivered : recent) {
            if (delivered.index() < from) {
                continue;
            }
            ChatEvent event = delivered.event();
            UUID conversation = event.conversationId();
            boolean named = event.recipients().stream()
                    .anyMatch(recipient -> recipient != null && session.userId().equals(recipient.userId()));
            boolean reachedIt = named || direct.contains(conversation);
            if (!reachedIt && conversations.contains(conversation) && session.send(delivered.frame())) {
                replayed.increment();
            }
            if (named) {
                direct.add(conversation);
                conversations.add(conversation);
            }
            if (event.unsubscribe().contains(session.userId())) {
                direct.remove(conversation);
                conversations.remove(conversation);
            }
        }
    }

    private void failed(ChatSession session, Throwable error) {
        synchronized (this) {
            if (loading.remove(session) == null) {
                return;
            }
            trimRecent();
        }
        loadFailures.increment();
        log.warn("Could not load the large conversations of session {} in {}: closing it with 1013 ({})", session.id(),
                loadTimeout, error.toString());
        session.closeTryAgainLater();
    }

    /** Forgets the events no loading session needs any more. Guarded by this. */
    private void trimRecent() {
        if (loading.isEmpty()) {
            recent.clear();
            return;
        }
        long oldest = Long.MAX_VALUE;
        for (Loading state : loading.values()) {
            oldest = Math.min(oldest, state.from);
        }
        while (!recent.isEmpty() && recent.peekFirst().index() < oldest) {
            recent.removeFirst();
        }
    }

    /** Guarded by this. */
    private void subscribe(ChatSession session, UUID conversation) {
        if (session.isClosing()) {
            return;
        }
        if (bySession.computeIfAbsent(session, s -> new HashSet<>()).add(conversation)) {
            byConversation.computeIfAbsent(conversation, c -> new SessionsByLoop<>(ChatSession::eventLoop)).add(session);
            pairs++;
        }
    }

    /** Guarded by this. */
    private void unsubscribe(ChatSession session, UUID conversation) {
        Set<UUID> conversations = bySession.get(session);
        if (conversations != null && conversations.remove(conversation)) {
            if (conversations.isEmpty()) {
                bySession.remove(session);
            }
            removeFromConversation(session, conversation);
        }
    }

    /** Guarded by this. */
    private void removeFromConversation(ChatSession session, UUID conversation) {
        SessionsByLoop<ChatSession> subscribed = byConversation.get(conversation);
        if (subscribed != null && subscribed.remove(session)) {
            pairs--;
            if (subscribed.isEmpty()) {
                byConversation.remove(conversation);
            }
        }
    }

    /** Whether the session is subscribed to the conversation (for tests and diagnostics). */
    synchronized boolean isSubscribed(ChatSession session, UUID conversation) {
        return bySession.getOrDefault(session, Set.of()).contains(conversation);
    }

    synchronized int pairs() {
        return pairs;
    }

    synchronized int loadingCount() {
        return loading.size();
    }

    /**
     * The answer's conversation ids. 5xx and 429 are retried; another 4xx (a message-service without the
     * endpoint during a rolling upgrade, a token it no longer takes) subscribes the session to none.
     */
    private static Set<UUID> conversationIds(MessageServiceClient.Answer answer) {
        if (answer.status() >= 500 || answer.status() == 429) {
            throw new Unavailable(answer.status());
        }
        if (!answer.ok()) {
            log.warn("message-service answered {} for a session's large conversations: subscribing it to none",
                    answer.status());
            return new HashSet<>();
        }
        JsonNode body = answer.body();
        if (body == null || !body.path("conversation_ids").isArray()) {
            throw new Unreadable();
        }
        Set<UUID> ids = new HashSet<>();
        for (JsonNode id : body.path("conversation_ids")) {
            try {
                ids.add(UUID.fromString(id.asString()));
            } catch (IllegalArgumentException e) {
                throw new Unreadable();
            }
        }
        return ids;
    }

    private static final class Loading {

        final long from;
        /** Guarded by the subscriptions' lock. */
        Disposable call;

        Loading(long from) {
            this.from = from;
        }
    }

    private record Delivered(long index, ChatEvent event, OutboundFrame.Text frame) {
    }

    /** message-service could not answer now (5xx, 429): retried. */
    private static final class Unavailable extends RuntimeException {

        Unavailable(int status) {
            super("message-service answered " + status, null, false, false);
        }
    }

    /** A 2xx answer that is not the expected list: not retried. */
    private static final class Unreadable extends RuntimeException {

        Unreadable() {
            super("unreadable list of large conversations", null, false, false);
        }
    }
}
