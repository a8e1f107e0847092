package dev.chat.shared.limit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;

import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.shared.problem.RetryAfter;

/**
 * Admits a WebSocket upgrade only while a {@link ConnectionSlots slot} is free, before anything is
 * upgraded. Past the limit the request is answered 503 problem+json {@code too_many_connections} with a
 * {@code Retry-After} of whole seconds drawn uniformly from {@code [base, base + spread]}, so that refused
 * clients spread their retries instead of coming back together.
 * <p>
 * An admitted request holds its slot until its TCP connection closes, however the WebSocket ends
 * (either side closing, errors, a dropped connection), or until the upgrade fails (the request then
 * got an HTTP error, and its connection may serve further requests).
 */
public final class UpgradeAdmission {

    private final ConnectionSlots slots;
    private final RetryAfter retryAfter;
    private final ProblemWriter writer;
    private final Runnable onRefused;

    /**
     * @param retryBase   the shortest Retry-After (at least 1 s)
     * @param retrySpread how much longer it may be (0: always {@code retryBase})
     * @param onRefused   told of every refusal (a counter)
     */
    public UpgradeAdmission(ConnectionSlots slots, Duration retryBase, Duration retrySpread, ProblemWriter writer,
            Runnable onRefused) {
        this.slots = slots;
        this.retryAfter = RetryAfter.of(retryBase, retrySpread);
        this.writer = writer;
        this.onRefused = onRefused;
    }

    public ConnectionSlots slots() {
        return slots;
    }

    /**
     * Runs {@code upgrade} if a slot is free, else answers 503. {@code upgrade} must upgrade the exchange
     * (or fail with an error, which gives the slot back at once).
     */
    public Mono<Void> admit(ServerWebExchange exchange, Function<ServerWebExchange, Mono<Void>> upgrade) {
        if (!slots.tryAcquire()) {
            onRefused.run();
            return refuse(exchange);
        }
        AtomicBoolean held = new AtomicBoolean(true);
        Runnable release = () -> {
            if (held.compareAndSet(true, false)) {
                slots.release();
            }
        };
        Channel channel = channelOf(exchange.getRequest());
        if (channel == null) {
            // not on Reactor Netty (a mock exchange): the upgrade's own end is all there is to go by
            return Mono.defer(() -> upgrade.apply(exchange)).doFinally(signal -> release.run());
        }
        ChannelFutureListener onClose = future -> release.run();
        channel.closeFuture().addListener(onClose);
        return Mono.defer(() -> upgrade.apply(exchange))
                .doFinally(signal -> {
                    if (signal != SignalType.ON_COMPLETE) {
                        // no WebSocket: the connection may serve further requests, which must not pile up listeners
                        channel.closeFuture().removeListener(onClose);
                        release.run();
                    }
                });
    }

    /** The 503 problem+json with a jittered Retry-After. */
    Mono<Void> refuse(ServerWebExchange exchange) {
        long seconds = retryAfter.set(exchange.getResponse().getHeaders());
        return writer.write(exchange, HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.TOO_MANY_CONNECTIONS,
                "This server holds its maximum of " + slots.limit() + " WebSocket connections; retry in "
                        + seconds + " s (another node may have room)");
    }

    /** Whole seconds, uniformly in {@code [base, base + spread]}. */
    public long nextRetryAfterSeconds() {
        return retryAfter.nextSeconds();
    }

    private static Channel channelOf(ServerHttpRequest request) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return null;
        }
        return nativeRequest instanceof Connection connection ? connection.channel() : null;
    }
}
