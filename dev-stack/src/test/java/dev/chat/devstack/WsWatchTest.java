package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** WsWatch against a minimal hand-written WebSocket server (RFC 6455 framing, server side). */
class WsWatchTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void printsEachTextFrameOnItsOwnLineAndTheCloseCode() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            CompletableFuture<Map<String, String>> upgrade = CompletableFuture.supplyAsync(() -> serve(server, true));

            int code = WsWatch.watch(URI.create("ws://localhost:" + server.getLocalPort() + "/ws"), "good",
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

            assertThat(code).isZero();
            assertThat(upgrade.get(10, TimeUnit.SECONDS)).containsEntry("authorization", "Bearer good");
            assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                    "{\"type\":\"session.ready\",\"user_id\":\"bob\"}",
                    "{\"type\":\"message.created\",\"message\":{\"content\":\"" + "x".repeat(200) + "\"}}");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("closed by the server: 4401 token expired");
        }
    }

    @Test
    void aRefusedUpgradeSaysSoAndFails() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            CompletableFuture.supplyAsync(() -> serve(server, false));

            int code = WsWatch.watch(URI.create("ws://localhost:" + server.getLocalPort() + "/ws"), "bad",
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

            assertThat(code).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("refused the upgrade: HTTP 401");
            assertThat(out.size()).isZero();
        }
    }

    /** Accepts one connection; answers 101 and sends frames (a fragmented one too, and a ping), or 401. */
    private static Map<String, String> serve(ServerSocket server, boolean accept) {
        try (Socket socket = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            Map<String, String> headers = new HashMap<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            OutputStream os = socket.getOutputStream();
            if (!accept) {
                os.write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                os.flush();
                return headers;
            }
            String acceptKey = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((headers.get("sec-websocket-key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
            os.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + acceptKey + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            frame(os, 0x81, "{\"type\":\"session.ready\",\"user_id\":\"bob\"}".getBytes(StandardCharsets.UTF_8));
            frame(os, 0x89, new byte[0]); // ping: the client's automatic pong is not printed
            String big = "{\"type\":\"message.created\",\"message\":{\"content\":\"" + "x".repeat(200) + "\"}}";
            byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
            frame(os, 0x01, java.util.Arrays.copyOfRange(bytes, 0, 100)); // text, not final
            frame(os, 0x80, java.util.Arrays.copyOfRange(bytes, 100, bytes.length)); // continuation, final
            byte[] reason = "token expired".getBytes(StandardCharsets.UTF_8);
            byte[] close = new byte[2 + reason.length];
            close[0] = (byte) (4401 >> 8);
            close[1] = (byte) (4401 & 0xff);
            System.arraycopy(reason, 0, close, 2, reason.length);
            frame(os, 0x88, close);
            os.flush();
            socket.setSoTimeout(300);
            try {
                socket.getInputStream().read(new byte[1024]); // the client's pong / close, if it sends them
            } catch (IOException e) {
                // fine either way
            }
            return headers;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void frame(OutputStream os, int firstByte, byte[] payload) throws IOException {
        os.write(firstByte);
        if (payload.length < 126) {
            os.write(payload.length);
        } else {
            os.write(126);
            os.write(payload.length >> 8);
            os.write(payload.length & 0xff);
        }
        os.write(payload);
    }
}
