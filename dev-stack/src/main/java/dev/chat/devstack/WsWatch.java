package dev.chat.devstack;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./chat ws <token> [url]}: connects to the chat WebSocket with {@code Authorization: Bearer
 * <token>}, prints every text frame on its own line, sends nothing, and exits when the server
 * closes (printing the close code) or on Ctrl-C. The URL defaults to {@code CHAT_WS_URL}, else
 * {@code ws://localhost:8080/ws}.
 */
public final class WsWatch {

    static final String DEFAULT_URL = "ws://localhost:8080/ws";

    private WsWatch() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || args.length > 2 || args[0].isBlank() || args[0].startsWith("-")) {
            System.err.println("usage: ./chat ws <token> [url]   (url default: $CHAT_WS_URL, else " + DEFAULT_URL + ")");
            System.err.println("an empty token usually means the command that fetched it failed");
            System.exit(2);
        }
        String env = System.getenv("CHAT_WS_URL");
        URI url = URI.create(args.length > 1 ? args[1] : env != null && !env.isBlank() ? env : DEFAULT_URL);
        System.exit(watch(url, args[0], System.out, System.err));
    }

    /** Returns the process exit code: 0 after a close from the server, 1 when the connection failed. */
    static int watch(URI url, String token, PrintStream out, PrintStream err) throws InterruptedException {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        WebSocket socket;
        try {
            socket = client.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(url, new Printer(out, err, done))
                    .join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof WebSocketHandshakeException handshake) {
                err.println("ws: " + url + " refused the upgrade: HTTP " + handshake.getResponse().statusCode());
            } else if (cause instanceof java.net.ConnectException) {
                err.println("ws: cannot connect to " + url + ": nothing listens there (is ./chat up running?)");
            } else {
                err.println("ws: cannot connect to " + url + ": " + cause);
            }
            return 1;
        }
        err.println("ws: connected to " + url + " (Ctrl-C to quit)");
        WebSocket connected = socket;
        Thread bye = new Thread(() -> {
            if (!done.isDone()) {
                connected.sendClose(WebSocket.NORMAL_CLOSURE, "bye").completeOnTimeout(null, 1, TimeUnit.SECONDS).join();
            }
        }, "ws-bye");
        Runtime.getRuntime().addShutdownHook(bye);
        try {
            return done.join();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(bye);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    private static final class Printer implements WebSocket.Listener {

        private final PrintStream out;
        private final PrintStream err;
        private final CompletableFuture<Integer> done;
        private final StringBuilder partial = new StringBuilder();

        Printer(PrintStream out, PrintStream err, CompletableFuture<Integer> done) {
            this.out = out;
            this.err = err;
            this.done = done;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                out.println(partial);
                out.flush();
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
            webSocket.request(1); // the chat protocol has no binary frames; not printed
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            err.println("ws: closed by the server: " + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason));
            done.complete(0);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            err.println("ws: connection failed: " + error);
            done.complete(1);
        }
    }

}
