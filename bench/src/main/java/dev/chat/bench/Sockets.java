package dev.chat.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Many WebSocket clients in this process, each with its own token, spread over the source addresses
 * 127.0.0.2 .. 127.0.0.254 (one address's port range holds about 28,000 connections). A client counts
 * as connected once it received {@code session.ready}; text frames after it go to a callback with the
 * client's index and the receive time (nanoTime), unparsed.
 */
final class Sockets implements AutoCloseable {

    private final LoopResources loops = LoopResources.create("bench-ws", 1, true);
    private final List<Disposable> sockets = new ArrayList<>();
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    record Opened(int ready, int failed, double perSecond) {
    }

    /**
     * Opens {@code tokens.size()} clients to {@code url} with at most {@code concurrency} handshakes in
     * flight, and waits for every one to be ready or failed (bounded by {@code timeout}).
     */
    Opened open(URI url, List<String> tokens, int concurrency, Duration timeout, BiConsumer<Integer, Frame> onFrame)
            throws InterruptedException {
        // an IP literal: "localhost" may resolve to ::1 first, which a client bound to 127.0.0.x cannot reach
        URI target = URI.create(url.toString().replace("://localhost:", "://127.0.0.1:"));
        Semaphore inFlight = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(tokens.size());
        int readyBefore = ready.get();
        int failedBefore = failed.get();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        for (int i = 0; i < tokens.size(); i++) {
            if (!inFlight.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            int index = sockets.size();
            String source = "127.0.0." + (2 + index % 253);
            boolean[] settled = {false};
            Runnable settle = () -> {
                synchronized (settled) {
                    if (settled[0]) {
                        return;
                    }
                    settled[0] = true;
                }
                inFlight.release();
                done.countDown();
            };
            String token = tokens.get(i);
            Disposable socket = HttpClient.create(ConnectionProvider.newConnection())
                    .runOn(loops)
                    .bindAddress(() -> new InetSocketAddress(source, 0))
                    .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token))
                    .websocket(WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
                    .uri(target.toString())
                    .handle((in, out) -> in.receive().asString(StandardCharsets.UTF_8).doOnNext(text -> {
                        long now = System.nanoTime();
                        if (!settled[0] && text.contains("\"session.ready\"")) {
                            ready.incrementAndGet();
                            settle.run();
                        } else if (onFrame != null) {
                            onFrame.accept(index, new Frame(text, now));
                        }
                    }).then())
                    .subscribe(x -> { }, error -> {
                        failed.incrementAndGet();
                        settle.run();
                    }, settle);
            sockets.add(socket);
        }
        done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        int opened = ready.get() - readyBefore;
        return new Opened(opened, failed.get() - failedBefore, opened / seconds);
    }

    int size() {
        return sockets.size();
    }

    record Frame(String text, long receivedNanos) {
    }

    @Override
    public void close() {
        sockets.forEach(Disposable::dispose);
        sockets.clear();
        loops.disposeLater().block(Duration.ofSeconds(10));
    }
}
