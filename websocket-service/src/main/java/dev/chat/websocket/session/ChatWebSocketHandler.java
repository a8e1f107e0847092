package dev.chat.websocket.session;

import java.security.Principal;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.chat.shared.auth.ChatUser;
import dev.chat.websocket.config.NodeIdentity;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.revocation.RevocationCheckingJwtDecoder;
import dev.chat.websocket.revocation.RevocationStore;

/**
 * {@code /ws}: one connection per device. Security has already verified the JWT at the upgrade; the
 * user is the token's {@code sub} and nothing else.
 *
 * <p>The handshake URI may carry {@code ?access_token=}: neither it nor the session object (whose
 * {@code toString} shows the URI) is ever logged, and errors never escape this handler (Spring adds
 * the URI to the error's checkpoint).
 */
@Component
class ChatWebSocketHandler implements WebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(ChatWebSocketHandler.class);
    private static final byte[] PING_PAYLOAD = {'h', 'b'};

    private final SessionRegistry registry;
    private final ClientFrameHandler frames;
    private final WebSocketProperties properties;
    private final RevocationStore revocations;
    private final OutboundMetrics outboundMetrics;
    private final String nodeId;
    private final MeterRegistry meters;
    private final Counter opened;

    ChatWebSocketHandler(SessionRegistry registry, ClientFrameHandler frames, WebSocketProperties properties,
            RevocationStore revocations, OutboundMetrics outboundMetrics, NodeIdentity node, MeterRegistry meters) {
        this.registry = registry;
        this.frames = frames;
        this.properties = properties;
        this.revocations = revocations;
        this.outboundMetrics = outboundMetrics;
        this.nodeId = node.id();
        this.meters = meters;
        this.opened = Counter.builder("chat.ws.connections").description("WebSocket sessions opened").register(meters);
    }

    @Override
    public Mono<Void> handle(WebSocketSession ws) {
        Mono<Void> session = ws instanceof ChatUpgradeStrategy.NettySession netty
                // resolved at the upgrade and at hand: no operators stay subscribed for the socket's life to get it
                ? Mono.defer(() -> start(ws, netty.principal()))
                : ws.getHandshakeInfo().getPrincipal().map(Optional::of).defaultIfEmpty(Optional.empty())
                        .flatMap(principal -> start(ws, principal.orElse(null)));
        return session.onErrorResume(e -> {
            log.warn("WebSocket session ended with an error: {}", e.getClass().getName());
            return Mono.empty();
        });
    }

    private Mono<Void> start(WebSocketSession ws, @Nullable Principal principal) {
        // security admits no upgrade without a verified JWT; should one get here anyway, it is refused
        return principal instanceof JwtAuthenticationToken authentication ? run(ws, authentication.getToken())
                : ws.close(CloseStatus.POLICY_VIOLATION.withReason("not authenticated"));
    }

    private Mono<Void> run(WebSocketSession ws, Jwt jwt) {
        // installed before anything is queued, so that it counts every text frame of the sink path
        ChannelOutlet outlet = ws instanceof ChatUpgradeStrategy.NettySession netty ? netty.installOutlet(outboundMetrics)
                : null;
        ChatSession session = new ChatSession(UUID.randomUUID().toString(), ChatUser.of(jwt).id(), jwt.getTokenValue(),
                RevocationCheckingJwtDecoder.issuedAt(jwt), jwt.getExpiresAt(), properties.outboundBuffer(), outlet);
        opened.increment();
        // queued before the session is registered, so that no event frame can precede it
        session.send(ServerFrames.sessionReady(session.id(), session.userId(), properties.heartbeatSeconds(), nodeId));
        if (!registry.add(session)) {
            session.closeAfterDrain(CloseCodes.RESTARTING);
        } else if (revocations.isRevoked(session.userId(), session.issuedAt())) {
            // revoked between the upgrade's check and the registration: the revocation did not see this session
            session.closeAfterDrain(CloseCodes.TOKEN_REVOKED);
        }
        log.debug("Session {} of user {} opened", session.id(), session.userId());

        // PINGs, the silence check and the token's expiry (4401): HeartbeatSweep, one timer for the node. Once a
        // close is requested, one timer of the session's own: the close handshake's bound
        Disposable.Composite timers = Disposables.composite();
        long closeTimeoutMillis = properties.closeTimeout().toMillis();
        timers.add(session.closeRequested().subscribe(status -> {
            if (ws instanceof ChatUpgradeStrategy.NettySession netty) {
                // from the moment the node decides to close, nothing the client sends can overtake what is queued
                netty.closing();
            }
            // a close handshake that cannot finish (client not reading, dead peer) ends with a dropped connection
            timers.add(Schedulers.parallel().schedule(() -> dispose(ws), closeTimeoutMillis, TimeUnit.MILLISECONDS));
        }));

        AtomicBoolean inboundFailed = new AtomicBoolean();
        Mono<Void> inbound = ws.receive()
                .doOnNext(message -> frames.handle(session, message))
                .then(Mono.just(CloseCodes.GONE))
                .onErrorResume(e -> {
                    inboundFailed.set(true);
                    return Mono.just(isTooBig(e) ? CloseCodes.TOO_BIG : CloseCodes.GONE);
                })
                // not from inside Reactor Netty's inbound callback: sending the close frame re-enters it
                .publishOn(Schedulers.parallel())
                .doOnNext(session::closeNow)
                .then();

        Mono<Void> outbound = ws.send(session.outbound(frame -> toMessage(ws, frame, outboundMetrics)))
                .onErrorResume(e -> Mono.empty())
                // the close's own error handling subscribed only when it starts, not for the session's whole life
                .then(Mono.defer(() -> sendClose(ws, session, inboundFailed.get())).onErrorResume(e -> Mono.empty()));

        return Mono.when(inbound, outbound)
                .doFinally(signal -> {
                    timers.dispose();
                    registry.remove(session);
                    CloseStatus status = closeStatusOf(session);
                    meters.counter("chat.ws.closes", "code", String.valueOf(status.getCode())).increment();
                    log.debug("Session {} of user {} closed: {}", session.id(), session.userId(), status.getCode());
                });
    }

    /**
     * The close frame, once the outbound stream has ended. After a drain (1008, 4401, 1012) the
     * connection ends when the client has answered it; after an abort (1013, 1001, an inbound failure
     * such as 1009) right after the frame; when the client closed first, or is gone, nothing is sent.
     */
    private static Mono<Void> sendClose(WebSocketSession ws, ChatSession session, boolean inboundFailed) {
        CloseStatus status = closeStatusOf(session);
        if (ws instanceof ChatUpgradeStrategy.NettySession netty) {
            return netty.sendClose(status, !inboundFailed && !session.isAborted());
        }
        return ws.close(status);
    }

    private static CloseStatus closeStatusOf(ChatSession session) {
        CloseStatus status = session.closeStatus();
        return status != null ? status : CloseCodes.GONE;
    }

    private static WebSocketMessage toMessage(WebSocketSession ws, OutboundFrame frame, OutboundMetrics metrics) {
        return switch (frame) {
            case OutboundFrame.Text text -> {
                metrics.written(text);
                yield new WebSocketMessage(WebSocketMessage.Type.TEXT, ws.bufferFactory().wrap(text.utf8Json()));
            }
            case OutboundFrame.Ping ping -> ws.pingMessage(factory -> factory.wrap(PING_PAYLOAD));
            case OutboundFrame.Pong pong -> ws.pongMessage(factory -> factory.wrap(pong.payload()));
        };
    }

    private static boolean isTooBig(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TooLongFrameException
                    || (t instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null
                            && corrupted.closeStatus().code() == CloseStatus.TOO_BIG_TO_PROCESS.getCode())) {
                return true;
            }
        }
        return false;
    }

    /** Drops the TCP connection without waiting any longer for the close handshake. */
    private static void dispose(WebSocketSession ws) {
        if (ws instanceof ChatUpgradeStrategy.NettySession netty) {
            netty.dispose();
        }
    }
}
