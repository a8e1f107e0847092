package dev.chat.shared.problem;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * A close that lets the peer read what was written last although it is still sending: closing a socket with
 * unread input makes the kernel answer with a reset, which fails the peer's writes and can discard what waits
 * in its receive buffer. Instead the output is shut down (FIN after the last bytes), reading goes on (the
 * handler that asked drops what arrives) and the connection is closed when the peer closes or after the
 * given time.
 */
final class LingeringClose {

    private LingeringClose() {
    }

    /** A connection that can linger: open, both directions still open. */
    static DuplexChannel candidate(ChannelHandlerContext ctx) {
        return ctx.channel() instanceof DuplexChannel duplex && duplex.isActive() && !duplex.isOutputShutdown()
                && !duplex.isInputShutdown() ? duplex : null;
    }

    /** Shuts the output down and completes {@code promise} once the connection closed (at the latest after {@code millis}). */
    static void start(ChannelHandlerContext ctx, DuplexChannel duplex, ChannelPromise promise, long millis) {
        ctx.flush();
        duplex.shutdownOutput().addListener(shutdown -> {
            if (!shutdown.isSuccess()) {
                ctx.close(promise);
                return;
            }
            duplex.config().setAutoRead(true);
            ctx.read();
            ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
                ctx.close(promise);
            }, millis, TimeUnit.MILLISECONDS);
            duplex.closeFuture().addListener(closed -> {
                deadline.cancel(false);
                promise.trySuccess();
            });
        });
    }
}
