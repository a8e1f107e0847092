package dev.chat.websocket.session;

import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/**
 * A session's way to its socket that skips the Reactor sink: frames written here, on the channel's event
 * loop, go straight to the WebSocket encoder. In the connection's pipeline just before Reactor Netty's bridge,
 * so it also sees every frame the normal path (the session's sink, Reactor Netty's {@code MonoSendMany})
 * writes, and counts the text frames that were queued to the sink but are not written to the channel yet
 * ({@link #unwritten}). A direct write is only allowed while that count is 0: nothing the session queued before
 * can then be overtaken.
 */
final class ChannelOutlet extends ChannelOutboundHandlerAdapter {

    static final String NAME = "chat.outlet";

    private final Channel channel;
    private final OutboundMetrics metrics;
    /** Text frames handed to the sink and not yet written to the channel. */
    private final AtomicInteger unwritten = new AtomicInteger();
    private volatile ChannelHandlerContext ctx;

    ChannelOutlet(Channel channel, OutboundMetrics metrics) {
        this.channel = channel;
        this.metrics = metrics;
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    Channel channel() {
        return channel;
    }

    boolean inEventLoop() {
        return channel.eventLoop().inEventLoop();
    }

    /** A text frame was handed to the sink (under the session's lock). */
    void queued() {
        unwritten.incrementAndGet();
    }

    int unwritten() {
        return unwritten.get();
    }

    /**
     * Whether a frame may be written directly now: on the event loop, the channel open and below its high
     * water mark, and nothing of the sink path still on its way.
     */
    boolean canWriteNow() {
        return ctx != null && unwritten.get() == 0 && channel.isActive() && channel.isWritable();
    }

    /** Writes and flushes one text frame; on the event loop, after {@link #canWriteNow}. */
    void write(OutboundFrame.Text frame, ByteBuf shared) {
        metrics.written(frame);
        ByteBuf content = shared != null ? shared.retainedDuplicate() : Unpooled.wrappedBuffer(frame.utf8Json());
        ctx.writeAndFlush(new TextWebSocketFrame(content));
    }

    /** The payload once for many sessions of this channel's loop (a direct buffer; the caller releases it). */
    ByteBuf encodeShared(OutboundFrame.Text frame) {
        byte[] bytes = frame.utf8Json();
        return channel.alloc().directBuffer(bytes.length).writeBytes(bytes);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof TextWebSocketFrame) {
            // a frame of the sink path reached the channel (direct writes start below this handler)
            unwritten.decrementAndGet();
        }
        ctx.write(msg, promise);
    }
}
