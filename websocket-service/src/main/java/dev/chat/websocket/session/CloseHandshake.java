package dev.chat.websocket.session;

import org.springframework.web.reactive.socket.CloseStatus;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import reactor.core.publisher.Mono;

/**
 * The server side of the WebSocket close handshake, in the connection's pipeline just before
 * Reactor Netty's bridge (after the frame decoder).
 *
 * <p>Reactor Netty's own close ({@code sendClose}) closes the TCP connection as soon as the close
 * frame is written, and answers a client's close frame at once, ahead of whatever the handler still
 * has queued. Both lose frames: a client close or a TCP half-close that arrives while the node is
 * still writing the frames that precede its own close (the {@code error} frames before a 1008) ended
 * the session without them and without the node's close frame, and closing a connection whose
 * peer is still sending makes the kernel answer with a reset, which can discard what was sent.
 *
 * <p>Here, once the node has decided to close ({@link #closing}), everything the client sends is
 * read and dropped (a close frame and end of stream included: they are remembered, not acted on),
 * the queued frames are written, then the node's close frame ({@link #sendClose}); the TCP
 * connection is closed once the client has answered (its close frame or end of stream), at once for
 * an abortive close, or by the handler's close timeout. A close the client starts while the node is
 * not closing is Reactor Netty's as before (it answers and ends the connection).
 *
 * <p>All state is confined to the channel's event loop.
 */
final class CloseHandshake extends ChannelInboundHandlerAdapter {

    static final String NAME = "chat.closeHandshake";

    private final Channel channel;
    /** The node decided to close: inbound is dropped from now on. */
    private boolean closing;
    /** The node's close frame was written. */
    private boolean closeSent;
    /** The client sent its close frame or shut its side down while the node was closing. */
    private boolean peerDone;
    /** The client started the close (Reactor Netty answered it): the node sends no close frame of its own. */
    private boolean peerClosedFirst;

    CloseHandshake(Channel channel) {
        this.channel = channel;
    }

    /** From now on, what the client sends is dropped; any thread. */
    void closing() {
        onEventLoop(() -> closing = true);
    }

    /**
     * Writes the node's close frame after everything written before it, unless a close frame was
     * already exchanged or the connection is gone. With {@code awaitPeer}, the TCP connection stays
     * open until the client answers; otherwise it is closed once the frame is written.
     */
    Mono<Void> sendClose(CloseStatus status, boolean awaitPeer) {
        return Mono.create(sink -> onEventLoop(() -> {
            closing = true;
            if (closeSent || peerClosedFirst || !channel.isActive()) {
                sink.success();
                return;
            }
            closeSent = true;
            channel.writeAndFlush(new CloseWebSocketFrame(status.getCode(), status.getReason()))
                    .addListener(written -> {
                        if (!written.isSuccess() || !awaitPeer || peerDone) {
                            channel.close();
                        }
                        sink.success();
                    });
        }));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            boolean closeFrame = msg instanceof CloseWebSocketFrame;
            ReferenceCountUtil.release(msg);
            if (closeFrame) {
                peerAnswered(ctx);
            }
            return;
        }
        if (msg instanceof CloseWebSocketFrame) {
            peerClosedFirst = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // half-closure is allowed on WebSocket connections so that queued frames can still be written
            if (closing) {
                peerAnswered(ctx);
            } else {
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void peerAnswered(ChannelHandlerContext ctx) {
        peerDone = true;
        if (closeSent) {
            ctx.close();
        }
    }

    private void onEventLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
        } else {
            channel.eventLoop().execute(task);
        }
    }
}
