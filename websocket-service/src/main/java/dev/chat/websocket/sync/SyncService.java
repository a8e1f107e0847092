package dev.chat.websocket.sync;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.messageservice.FailureLog;
import dev.chat.websocket.messageservice.MessageServiceClient;
import dev.chat.websocket.session.ChatSession;
import dev.chat.websocket.session.OutboundFrame;
import dev.chat.websocket.session.ServerFrames;
import dev.chat.websocket.session.SessionListener;

/**
 * The {@code sync} frame: one page of what the client missed in a conversation, fetched from
 * message-service with the session's own token, written to that session only:
 * every missed message ({@code message.created}), every change to a message it already had
 * ({@code message.updated} / {@code message.deleted}), the current receipt watermarks
 * ({@code receipt.updated}), all with {@code replay: true}, then {@code sync.done}.
 *
 * <p>Bounded: a session's syncs run one at a time, in the order they were asked for, with at most
 * {@code chat.ws.sync.max-queued} waiting (more are answered {@code too_many_requests}); each call is
 * bounded by the message-service timeout and the node-wide in-flight limit; a page is written paced
 * ({@link ChatSession#sendPaced}), so it never overflows the session's outbound buffer on its own.
 * A closed session's syncs are cancelled.
 */
@Component
public class SyncService implements SessionListener {

    public static final String NOT_A_PARTICIPANT = "not_a_participant";
    public static final String SYNC_FAILED = "sync_failed";
    public static final String TOO_MANY_REQUESTS = "too_many_requests";
    public static final String INVALID_FRAME = "invalid_frame";

    private static final Logger log = LoggerFactory.getLogger(SyncService.class);
    private static final FailureLog failures = new FailureLog(log);

    /** One sync frame, checked for shape. */
    public record SyncRequest(UUID conversationId, long afterSeq, String afterChange, JsonNode ref) {
    }

    private final MessageServiceClient messageService;
    private final int pageSize;
    private final int maxQueued;
    private final Duration stallTimeout;
    private final Map<ChatSession, Syncs> bySession = new ConcurrentHashMap<>();
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    SyncService(MessageServiceClient messageService, WebSocketProperties properties, MeterRegistry meters) {
        this.messageService = messageService;
        this.pageSize = properties.sync().pageSize();
        this.maxQueued = properties.sync().maxQueued();
        this.stallTimeout = properties.sync().stallTimeout();
        this.meters = meters;
        for (String outcome : List.of("done", "not_a_participant", "invalid", "failed", "timeout", "rejected")) {
            outcome(outcome);
        }
    }

    /** Queues a sync of the session; runs it at once if none is running. Never blocks. */
    public void request(ChatSession session, SyncRequest request) {
        if (session.isClosing()) {
            return;
        }
        Syncs syncs = bySession.computeIfAbsent(session, s -> new Syncs());
        synchronized (syncs) {
            if (syncs.closed || session.isClosing()) {
                return;
            }
            if (syncs.running) {
                if (syncs.waiting.size() >= maxQueued) {
                    outcome("rejected").increment();
                    session.send(ServerFrames.error(TOO_MANY_REQUESTS,
                            "At most " + maxQueued + " sync frames may wait behind the one running", request.ref()));
                    return;
                }
                syncs.waiting.add(request);
                return;
            }
            syncs.running = true;
        }
        start(session, syncs, request);
    }

    private void start(ChatSession session, Syncs syncs, SyncRequest request) {
        Disposable call = run(session, request)
                .doFinally(signal -> next(session, syncs))
                .subscribe(outcome -> outcome(outcome).increment(),
                        e -> log.error("Sync of session {} failed unexpectedly", session.id(), e));
        synchronized (syncs) {
            if (syncs.running && syncs.current == null) {
                syncs.current = call;
            }
            if (syncs.closed) {
                call.dispose();
            }
        }
    }

    private void next(ChatSession session, Syncs syncs) {
        SyncRequest next;
        synchronized (syncs) {
            syncs.current = null;
            next = syncs.closed ? null : syncs.waiting.poll();
            if (next == null) {
                syncs.running = false;
                return;
            }
        }
        start(session, syncs, next);
    }

    /** One sync: the call, then the frames; emits the outcome for the metrics. */
    private Mono<String> run(ChatSession session, SyncRequest request) {
        String conversation = request.conversationId().toString();
        return messageService.sync(session.token(), request.conversationId(), request.afterSeq(),
                        request.afterChange(), pageSize)
                .flatMap(answer -> switch (answer.status()) {
                    case 200 -> write(session, request, conversation, answer.body());
                    case 404 -> fail(session, request, NOT_A_PARTICIPANT,
                            "The conversation does not exist or you are not in it", "not_a_participant");
                    case 400 -> fail(session, request, INVALID_FRAME,
                            answer.detail() != null ? answer.detail() : "message-service refused this sync", "invalid");
                    default -> {
                        failures.failed("Sync of conversation {} answered {} by message-service", conversation, answer.status());
                        yield fail(session, request, SYNC_FAILED, "Sync failed; retry", "failed");
                    }
                })
                .onErrorResume(e -> {
                    boolean timeout = MessageServiceClient.isTimeout(e);
                    failures.failed("Sync of conversation {} failed: {}", conversation, e.toString());
                    return fail(session, request, SYNC_FAILED, timeout ? "Sync timed out; retry" : "Sync failed; retry",
                            timeout ? "timeout" : "failed");
                });
    }

    private Mono<String> write(ChatSession session, SyncRequest request, String conversation, JsonNode page) {
        List<OutboundFrame.Text> frames;
        try {
            frames = frames(conversation, request.ref(), page);
        } catch (IllegalArgumentException e) {
            log.warn("Unreadable sync page for conversation {}: {}", conversation, e.getMessage());
            return fail(session, request, SYNC_FAILED, "Sync failed; retry", "failed");
        }
        return session.sendPaced(frames, stallTimeout).thenReturn("done");
    }

    /** The page's frames, in the order they are written. */
    static List<OutboundFrame.Text> frames(String conversation, JsonNode ref, JsonNode page) {
        if (page == null || !page.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode messages = array(page, "messages");
        JsonNode changes = array(page, "changes");
        JsonNode receipts = array(page, "receipts");
        if (!page.path("last_seq").isIntegralNumber()) {
            throw new IllegalArgumentException("no last_seq");
        }
        List<OutboundFrame.Text> frames = new ArrayList<>(messages.size() + changes.size() + receipts.size() + 1);
        messages.forEach(message -> frames.add(ServerFrames.replayCreated(message)));
        changes.forEach(message -> frames.add(ServerFrames.replayChanged(message)));
        receipts.forEach(receipt -> frames.add(ServerFrames.replayReceipt(conversation, receipt)));
        frames.add(ServerFrames.syncDone(conversation, page.get("last_seq"), ref, page.get("change_cursor"),
                page.path("has_more").asBoolean(false)));
        return frames;
    }

    private static JsonNode array(JsonNode page, String field) {
        JsonNode value = page.get(field);
        if (value == null || value.isNull()) {
            return ChatJson.mapper().createArrayNode();
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException(field + " is not an array");
        }
        for (JsonNode item : value) {
            if (!item.isObject()) {
                throw new IllegalArgumentException(field + " holds a non-object");
            }
        }
        return value;
    }

    private static Mono<String> fail(ChatSession session, SyncRequest request, String code, String message,
            String outcome) {
        session.send(ServerFrames.error(code, message, request.ref()));
        return Mono.just(outcome);
    }

    private Counter outcome(String outcome) {
        return outcomes.computeIfAbsent(outcome, o -> Counter.builder("chat.ws.syncs")
                .description("sync frames by outcome").tag("outcome", o).register(meters));
    }

    @Override
    public void sessionClosed(ChatSession session) {
        Syncs syncs = bySession.remove(session);
        if (syncs == null) {
            return;
        }
        Disposable current;
        synchronized (syncs) {
            syncs.closed = true;
            syncs.waiting.clear();
            current = syncs.current;
        }
        if (current != null) {
            current.dispose();
        }
    }

    /** Syncs of one session open right now (for tests and operators). */
    int sessionsSyncing() {
        return bySession.size();
    }

    /** One session's syncs: the one running and those waiting; guarded by itself. */
    private static final class Syncs {
        final ArrayDeque<SyncRequest> waiting = new ArrayDeque<>();
        boolean running;
        boolean closed;
        Disposable current;
    }
}
