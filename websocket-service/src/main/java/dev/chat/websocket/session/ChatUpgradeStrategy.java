package dev.chat.websocket.session;

import java.net.URI;
import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;

import io.netty.channel.ChannelOption;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

import dev.chat.shared.limit.UpgradeAdmission;
import dev.chat.shared.problem.EdgeProblemHandler;

/**
 * Spring's {@code ReactorNettyRequestUpgradeStrategy}, with four differences: it upgrades only below the
 * node's connection limit (503 past it, see {@link ConnectionLimits}), the sessions it makes
 * close through the node's own {@link CloseHandshake}, they can drop their TCP connection
 * ({@link NettySession#dispose}, for a close handshake that never completes), and it does not name
 * the request URI (which may hold {@code ?access_token=}) in the handler's error checkpoint. And an idle
 * session holds as little as it can for its life (docs/benchmarks.md, "Heap per session"): a slim copy of its
 * handshake ({@link #slim}), none of the HTTP request's state ({@link #dropHandshakeState}), no trace-logging
 * operators ({@link NettySession#receive}, {@link NettySession#send}).
 */
final class ChatUpgradeStrategy implements RequestUpgradeStrategy {

    /** Read-only and empty, shared by every session's handshake info. */
    private static final MultiValueMap<String, HttpCookie> NO_COOKIES =
            CollectionUtils.unmodifiableMultiValueMap(new LinkedMultiValueMap<>());

    /** The last URI a session kept: sessions through the same host name share one (a URI is ~0.35 KB with its parts). */
    private volatile URI lastUri;

    private final Supplier<WebsocketServerSpec.Builder> spec;
    private final UpgradeAdmission admission;

    ChatUpgradeStrategy(Supplier<WebsocketServerSpec.Builder> spec, UpgradeAdmission admission) {
        this.spec = spec;
        this.admission = admission;
    }

    /**
     * Upgrades only while the node is below its connection limit (the slot is held until the TCP
     * connection closes); past it, answers 503 {@code too_many_connections} without upgrading.
     */
    @Override
    public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, @Nullable String subProtocol,
            Supplier<HandshakeInfo> handshakeInfoFactory) {
        return admission.admit(exchange, admitted -> doUpgrade(admitted, handler, subProtocol, handshakeInfoFactory));
    }

    private Mono<Void> doUpgrade(ServerWebExchange exchange, WebSocketHandler handler, @Nullable String subProtocol,
            Supplier<HandshakeInfo> handshakeInfoFactory) {
        ServerHttpResponse response = exchange.getResponse();
        HttpServerResponse reactorResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        HandshakeInfo full = handshakeInfoFactory.get();
        NettyDataBufferFactory bufferFactory = (NettyDataBufferFactory) response.bufferFactory();
        return exchange.getPrincipal().map(Optional::of).defaultIfEmpty(Optional.empty()).flatMap(principal -> {
            HandshakeInfo handshakeInfo = slim(full, principal.orElse(null));
            return response.setComplete().then(Mono.defer(() -> {
                WebsocketServerSpec.Builder builder = spec.get();
                if (subProtocol != null) {
                    builder.protocols(subProtocol);
                }
                WebsocketServerSpec websocketSpec = builder.build();
                return reactorResponse.sendWebsocket((in, out) -> {
                    dropHandshakeState(exchange, in, reactorResponse);
                    return handler.handle(new NettySession(in, out, handshakeInfo, principal.orElse(null), bufferFactory,
                            websocketSpec.maxFramePayloadLength()));
                }, websocketSpec);
            }));
        });
    }

    /**
     * Called once the 101 is out: what only the HTTP request needed would otherwise stay in memory for the
     * connection's whole life, although nothing reads it again (the session keeps {@link #slim} instead), about
     * 2.5 KB of an idle session's heap (docs/benchmarks.md, "Heap per session"):
     * <ul>
     *   <li>the upgrade request's headers (the token too, if it came as a header) and the response's, held by
     *       Reactor Netty's connection;</li>
     *   <li>the exchange's attributes (handler mapping results, log id, observation context), held by WebFlux's
     *       handler chain, which lasts as long as the socket;</li>
     *   <li>{@link EdgeProblemHandler}, which gives HTTP error responses a problem+json body: a WebSocket writes no
     *       HTTP response any more, and each of its frames would pass through it.</li>
     * </ul>
     */
    private static void dropHandshakeState(ServerWebExchange exchange, WebsocketInbound inbound,
            HttpServerResponse response) {
        inbound.headers().clear();
        response.responseHeaders().clear();
        exchange.getAttributes().clear();
        inbound.withConnection(connection -> {
            if (connection.channel().pipeline().get(EdgeProblemHandler.NAME) != null) {
                connection.channel().pipeline().remove(EdgeProblemHandler.NAME);
            }
        });
    }

    /**
     * What the session keeps of its handshake for its whole life: the principal (resolved once), the
     * URI without its query (which may hold the token), the sub-protocol and the remote address; not
     * the request's headers, cookies and exchange attributes, which an idle session does not need.
     */
    private HandshakeInfo slim(HandshakeInfo full, @Nullable Principal principal) {
        return new HandshakeInfo(withoutQuery(full.getUri()), HttpHeaders.EMPTY, NO_COOKIES,
                principal == null ? Mono.empty() : Mono.just(principal),
                full.getSubProtocol(), full.getRemoteAddress(), Map.of(), full.getLogPrefix());
    }

    /** The upgrade's URI without its query (which may hold the token); the one kept before if it is the same. */
    URI withoutQuery(URI uri) {
        String text = uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
        URI last = lastUri;
        if (last != null && last.toString().equals(text)) {
            return last;
        }
        URI kept = uri.getRawQuery() == null && uri.getRawFragment() == null ? uri : URI.create(text);
        lastUri = kept;
        return kept;
    }

    /**
     * A Reactor Netty session that closes through {@link CloseHandshake} (queued frames, then the close
     * frame, then the TCP connection once the client answered) and can drop its connection.
     */
    static final class NettySession extends ReactorNettyWebSocketSession {

        private final CloseHandshake handshake;
        private final @Nullable Principal principal;
        private final int maxFramePayloadLength;

        NettySession(WebsocketInbound inbound, WebsocketOutbound outbound, HandshakeInfo info,
                @Nullable Principal principal, NettyDataBufferFactory bufferFactory, int maxFramePayloadLength) {
            super(inbound, outbound, info, bufferFactory, maxFramePayloadLength);
            this.principal = principal;
            this.maxFramePayloadLength = maxFramePayloadLength;
            CloseHandshake[] installed = new CloseHandshake[1];
            inbound.withConnection(connection -> {
                // a client that shuts its side down still gets what is queued for it, then the close frame
                connection.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                installed[0] = new CloseHandshake(connection.channel());
                connection.addHandlerLast(CloseHandshake.NAME, installed[0]);
            });
            this.handshake = installed[0];
        }

        /**
         * Spring's, without its per-message trace logging ({@code org.springframework.web.reactive.socket} is kept at
         * INFO here anyway): that operator and its subscriber were held for the session's whole life.
         */
        @Override
        public Flux<WebSocketMessage> receive() {
            return getDelegate().getInbound().aggregateFrames(maxFramePayloadLength).receiveFrames().map(this::toMessage);
        }

        /** Spring's, without its per-message trace logging (see {@link #receive}). */
        @Override
        public Mono<Void> send(Publisher<WebSocketMessage> messages) {
            return getDelegate().getOutbound().sendObject(Flux.from(messages).map(this::toFrame)).then();
        }

        /** The principal resolved at the upgrade (also in the handshake info, as a Mono); null if none. */
        @Nullable Principal principal() {
            return principal;
        }

        /**
         * Puts a {@link ChannelOutlet} into the connection's pipeline, just before Reactor Netty's bridge (so it
         * sees what the bridge writes), and returns it.
         */
        ChannelOutlet installOutlet(OutboundMetrics metrics) {
            ChannelOutlet[] installed = new ChannelOutlet[1];
            getDelegate().getInbound().withConnection(connection -> {
                installed[0] = new ChannelOutlet(connection.channel(), metrics);
                connection.addHandlerLast(ChannelOutlet.NAME, installed[0]);
            });
            return installed[0];
        }

        /** The node has decided to close: what the client sends from now on is dropped. */
        void closing() {
            handshake.closing();
        }

        /**
         * Writes the close frame after what was written before. With {@code awaitPeer} the connection
         * ends once the client has answered (or by the close timeout), otherwise right after the frame.
         */
        Mono<Void> sendClose(CloseStatus status, boolean awaitPeer) {
            return handshake.sendClose(status, awaitPeer);
        }

        /** Closes the TCP connection now, whatever is still unsent. */
        void dispose() {
            getDelegate().getInbound().withConnection(Connection::dispose);
        }
    }
}
