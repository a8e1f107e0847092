package dev.chat.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;

/** One device's WebSocket connection through the gateway; keeps every frame with its arrival time. */
final class WsClient implements AutoCloseable {

    record Frame(JsonNode json, long receivedNanos) {
        String type() {
            return json.get("type").asString();
        }
    }

    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(WebSocket.Builder builder, URI uri) {
        this.socket = builder.buildAsync(uri, new Listener()).orTimeout(15, TimeUnit.SECONDS).join();
    }

    /** Connects with {@code Authorization: Bearer}. */
    static WsClient connect(URI wsUrl, String token) {
        return new WsClient(HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token), wsUrl);
    }

    /** One client for many sockets (one selector thread instead of one per socket): for tests with thousands. */
    private static final HttpClient SHARED = HttpClient.newHttpClient();

    /** Connects through the shared client. */
    static WsClient connectShared(URI wsUrl, String token) {
        return new WsClient(SHARED.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token), wsUrl);
    }

    /** Connects with {@code ?access_token=}, as a browser would. */
    static WsClient connectWithQueryToken(URI wsUrl, String token) {
        return new WsClient(HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)),
                URI.create(wsUrl + "?access_token=" + token));
    }

    List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** {@code message.created} frames of one conversation, in arrival order. */
    List<Frame> created(UUID conversationId) {
        List<Frame> result = new ArrayList<>();
        for (Frame f : frames) {
            if (f.type().equals("message.created")
                    && f.json().get("message").get("conversation_id").asString().equals(conversationId.toString())) {
                result.add(f);
            }
        }
        return result;
    }

    List<Long> seqs(UUID conversationId) {
        return created(conversationId).stream().map(f -> f.json().get("message").get("seq").asLong()).toList();
    }

    /** Frames of a type whose {@code conversation_id} (top level, or inside message/conversation) matches. */
    List<Frame> framesOf(String type, UUID conversationId) {
        String id = conversationId.toString();
        List<Frame> result = new ArrayList<>();
        for (Frame f : frames) {
            if (!f.type().equals(type)) {
                continue;
            }
            JsonNode json = f.json();
            String found = json.has("conversation_id") ? json.get("conversation_id").asString()
                    : json.has("message") ? json.get("message").get("conversation_id").asString()
                    : json.has("conversation") ? json.get("conversation").get("id").asString() : null;
            if (id.equals(found)) {
                result.add(f);
            }
        }
        return result;
    }

    /** Frames of one type, in arrival order. */
    List<Frame> ofType(String type) {
        return frames.stream().filter(f -> f.type().equals(type)).toList();
    }

    /** The node that serves this socket (from session.ready), null before it arrived. */
    String nodeId() {
        return frames.stream().filter(f -> f.type().equals("session.ready")).findFirst()
                .map(f -> f.json().path("node_id").asString(null)).orElse(null);
    }

    boolean hasFrame(String type) {
        return frames.stream().anyMatch(f -> f.type().equals(type));
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    /**
     * Sends unless the socket's output is already closed (the server closed it and the close was answered):
     * false then. For tests that keep sending into a close the server is expected to make.
     */
    boolean sendUnlessClosed(String json) {
        try {
            socket.sendText(json, true).join();
            return true;
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.io.IOException) {
                return false;
            }
            throw e;
        }
    }

    CompletableFuture<Integer> closed() {
        return closed;
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(new Frame(ChatClient.JSON.readTree(partial.toString()), System.nanoTime()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
