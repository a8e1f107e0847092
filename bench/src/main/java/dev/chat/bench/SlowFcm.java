package dev.chat.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A fake FCM (HTTP v1 send, and the OAuth token endpoint) that answers every send after a fixed delay without
 * holding a thread while it waits, so that its own capacity is never what a benchmark measures. Each accepted
 * send is passed to {@code onSend} with its request body.
 */
final class SlowFcm implements AutoCloseable {

    private static final byte[] TOKEN = ("{\"access_token\":\"bench-access-token\",\"expires_in\":3600,"
            + "\"token_type\":\"Bearer\"}").getBytes(StandardCharsets.UTF_8);
    private static final byte[] SENT = ("{\"name\":\"projects/" + PushFakes.PROJECT_ID + "/messages/0:1\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("slow-fcm-timer").factory());
    private final Duration delay;
    private final Consumer<byte[]> onSend;

    SlowFcm(Duration delay, Consumer<byte[]> onSend) throws IOException {
        this.delay = delay;
        this.onSend = onSend;
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 1024);
        server.setExecutor(Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon().name("slow-fcm-", 0).factory()));
        server.createContext("/token", exchange -> {
            drain(exchange);
            reply(exchange, TOKEN);
        });
        server.createContext("/v1/", this::send);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String baseUrl() {
        return "http://localhost:" + port();
    }

    private void send(HttpExchange exchange) throws IOException {
        byte[] body = drain(exchange);
        timer.schedule(() -> {
            try {
                onSend.accept(body);
                reply(exchange, SENT);
            } catch (IOException | RuntimeException e) {
                exchange.close();
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static byte[] drain(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static void reply(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        timer.shutdownNow();
    }
}
