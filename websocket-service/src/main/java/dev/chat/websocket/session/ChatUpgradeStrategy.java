package dev.chat.websocket.session;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;

import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Spring's {@code ReactorNettyRequestUpgradeStrategy}, with two differences: the sessions it makes
 * can drop their TCP connection ({@link NettySession#dispose}, for a close handshake that never
 * completes), and it does not name the request URI (which may hold {@code ?access_token=}) in the
 * handler's error checkpoint.
 */
final class ChatUpgradeStrategy implements RequestUpgradeStrategy {

    private final Supplier<WebsocketServerSpec.Builder> spec;

    ChatUpgradeStrategy(Supplier<WebsocketServerSpec.Builder> spec) {
        this.spec = spec;
    }

    @Override
    public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, @Nullable String subProtocol,
            Supplier<HandshakeInfo> handshakeInfoFactory) {
        ServerHttpResponse response = exchange.getResponse();
        HttpServerResponse reactorResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        HandshakeInfo handshakeInfo = handshakeInfoFactory.get();
        NettyDataBufferFactory bufferFactory = (NettyDataBufferFactory) response.bufferFactory();
        return response.setComplete().then(Mono.defer(() -> {
            WebsocketServerSpec.Builder builder = spec.get();
            if (subProtocol != null) {
                builder.protocols(subProtocol);
            }
            WebsocketServerSpec websocketSpec = builder.build();
            return reactorResponse.sendWebsocket((in, out) -> handler.handle(new NettySession(in, out, handshakeInfo,
                    bufferFactory, websocketSpec.maxFramePayloadLength())), websocketSpec);
        }));
    }

    /** A Reactor Netty session that can drop its connection. */
    static final class NettySession extends ReactorNettyWebSocketSession {

        NettySession(WebsocketInbound inbound, WebsocketOutbound outbound, HandshakeInfo info,
                NettyDataBufferFactory bufferFactory, int maxFramePayloadLength) {
            super(inbound, outbound, info, bufferFactory, maxFramePayloadLength);
        }

        /** Closes the TCP connection now, whatever is still unsent. */
        void dispose() {
            getDelegate().getInbound().withConnection(Connection::dispose);
        }

        /**
         * Writes a close frame, then drops the connection. For when the inbound side already failed
         * (a message above the size limit): Reactor Netty's {@code sendClose} would signal that failure
         * a second time to the finished receiver, which Reactor reports as a dropped error.
         */
        Mono<Void> closeAfterInboundFailure(CloseStatus status) {
            return getDelegate().getOutbound()
                    .sendObject(new CloseWebSocketFrame(status.getCode(), status.getReason()))
                    .then()
                    .onErrorResume(e -> Mono.empty())
                    .doFinally(signal -> dispose());
        }
    }
}
