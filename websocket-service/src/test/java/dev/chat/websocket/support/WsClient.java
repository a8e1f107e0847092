package dev.chat.websocket.support;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;

/** A real WebSocket client (the JDK's), recording every text frame it receives and how it was closed. */
public final class WsClient implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http;
    private final WebSocket socket;
    private final Recorder recorder;

    private WsClient(HttpClient http, WebSocket socket, Recorder recorder) {
        this.http = http;
        this.socket = socket;
        this.recorder = recorder;
    }

    /** Connects with {@code Authorization: Bearer token}, plus any extra headers. */
    public static WsClient connect(int port, String token, Map<String, String> headers) {
        HttpClient http = HttpClient.newHttpClient();
        Recorder recorder = new Recorder();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        headers.forEach(builder::header);
        try {
            WebSocket socket = builder.buildAsync(URI.create("ws://localhost:" + port + "/ws"), recorder)
                    .get(10, TimeUnit.SECONDS);
            return new WsClient(http, socket, recorder);
        } catch (Exception e) {
            http.close();
            throw new IllegalStateException("WebSocket connect failed", e);
        }
    }

    public static WsClient connect(int port, String token) {
        return connect(port, token, Map.of());
    }

    /** Connects with the token in {@code ?access_token=} (as browsers do). */
    public static WsClient connectWithQueryToken(int port, String token) {
        HttpClient http = HttpClient.newHttpClient();
        Recorder recorder = new Recorder();
        try {
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://localhost:" + port + "/ws?access_token=" + token), recorder)
                    .get(10, TimeUnit.SECONDS);
            return new WsClient(http, socket, recorder);
        } catch (Exception e) {
            http.close();
            throw new IllegalStateException("WebSocket connect failed", e);
        }
    }

    /** Connects and waits for session.ready. */
    public static WsClient ready(int port, String token) {
        WsClient client = connect(port, token);
        client.awaitFrame(f -> "session.ready".equals(f.path("type").asString()));
        return client;
    }

    public List<JsonNode> frames() {
        return List.copyOf(recorder.frames);
    }

    /** Frames of one type, in arrival order. */
    public List<JsonNode> frames(String type) {
        return recorder.frames.stream().filter(f -> type.equals(f.path("type").asString())).toList();
    }

    public JsonNode awaitFrame(Predicate<JsonNode> match) {
        return await().atMost(TIMEOUT).until(() -> recorder.frames.stream().filter(match).findFirst().orElse(null),
                found -> found != null);
    }

    public JsonNode awaitFrame(String type) {
        return awaitFrame(f -> type.equals(f.path("type").asString()));
    }

    /** Waits until {@code count} frames of the type arrived and returns them. */
    public List<JsonNode> awaitFrames(String type, int count) {
        await().atMost(TIMEOUT).until(() -> frames(type).size() >= count);
        return frames(type);
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public void sendFragmented(String first, String second) {
        socket.sendText(first, false).join();
        socket.sendText(second, true).join();
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** The close code the server sent; waits for it. */
    public int awaitClose() {
        return recorder.closeCode.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public boolean isClosed() {
        return recorder.closeCode.isDone() || socket.isInputClosed();
    }

    public int pings() {
        return recorder.pings.get();
    }

    @Override
    public void close() {
        try {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // already closed by the server
        } finally {
            socket.abort();
            http.close();
        }
    }

    private static final class Recorder implements WebSocket.Listener {

        final List<JsonNode> frames = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final AtomicInteger pings = new AtomicInteger();
        private StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(ChatJson.mapper().readTree(partial.toString()));
                partial = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
