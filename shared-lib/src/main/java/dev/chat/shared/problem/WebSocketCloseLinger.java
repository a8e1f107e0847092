package dev.chat.shared.problem;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * A server's WebSocket close frame is not destroyed by its own TCP close. Reactor Netty closes the connection
 * as soon as its close frame is written ({@code sendClose}); a client that is still sending then has unread
 * data at the server, the server's kernel answers with a reset, and the reset discards the close frame in the
 * client's receive buffer: the client sees "connection reset" (1006) instead of the code it was closed with.
 * Seen through the gateway, which relays a node's close: the node's own close handshake lingers, the
 * gateway's did not.
 *
 * <p>So, in the pipeline of every server connection (installed with {@link EdgeProblemHandler}; after an
 * upgrade it sits right behind the frame decoder): once this side has written a close frame and the client has
 * not sent its own, a close shuts the output down instead (FIN after the close frame), drops whatever the client
 * still sends, and closes the connection when the client's close frame or end of stream arrives, or after
 * {@link #LINGER_MILLIS} at most. A close the client started, and every connection that is not a WebSocket,
 * are closed as before.
 *
 * <p>All state is confined to the channel's event loop.
 */
public final class WebSocketCloseLinger extends ChannelDuplexHandler {

    public static final String NAME = "chat.webSocketCloseLinger";

    /** The longest a connection whose close frame went out waits for the client's answer. */
    static final long LINGER_MILLIS = 2_000;

    /** This side wrote its close frame. */
    private boolean closeSent;
    /** The client sent its close frame or ended its stream: it sends nothing more. */
    private boolean peerDone;
    /** Output shut down, waiting for the client. */
    private boolean lingering;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof CloseWebSocketFrame) {
            closeSent = true;
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof CloseWebSocketFrame) {
            peerDone = true;
        }
        if (lingering) {
            ReferenceCountUtil.release(msg);
            if (peerDone) {
                ctx.close();
            }
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            peerDone = true;
            if (lingering) {
                ctx.close();
                return;
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        DuplexChannel duplex = closeSent && !peerDone && !lingering ? LingeringClose.candidate(ctx) : null;
        if (duplex != null) {
            lingering = true;
            LingeringClose.start(ctx, duplex, promise, LINGER_MILLIS);
            return;
        }
        super.close(ctx, promise);
    }
}
