package dev.chat.shared.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * A real Reactor Netty WebSocket server that closes with 1008 after the client's first frame, and a client on
 * a raw socket that keeps sending 4 MB of frames before it reads anything: the server's TCP close met data still
 * coming and the kernel reset the connection, so the client's writes failed. With {@link WebSocketCloseLinger}
 * the client's writes succeed, it reads the close frame and its code, and the connection ends once it answers.
 */
class WebSocketCloseLingerTest {

    private DisposableServer server;

    private void start(boolean linger) {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .doOnChannelInit((observer, channel, address) -> {
                    if (linger) {
                        channel.pipeline().addAfter(NettyPipeline.HttpCodec, WebSocketCloseLinger.NAME,
                                new WebSocketCloseLinger());
                    }
                })
                // the first frame is one too many: close with 1008, reading on (as a relaying gateway does)
                .route(routes -> routes.ws("/ws", (in, out) -> in.receiveFrames().index()
                        .concatMap(frame -> frame.getT1() == 0 ? out.sendClose(1008, "too many invalid frames")
                                : Mono.empty())
                        .then()))
                .bindNow();
    }

    @BeforeEach
    void noServerYet() {
        server = null;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    @Test
    void aClientStillSendingReadsTheCloseFrameAndItsCode() throws Exception {
        start(true);
        try (Socket socket = upgraded()) {
            boolean writesFailed = sendFrames(socket.getOutputStream(), 256, 16 * 1024);
            assertThat(writesFailed).as("the server kept reading (discarding) instead of resetting").isFalse();

            assertThat(readCloseCode(socket.getInputStream())).isEqualTo(1008);

            // the client answers the close: the server ends the connection
            socket.getOutputStream().write(frame(0x8, new byte[] { 0x03, (byte) 0xF0 }));
            socket.getOutputStream().flush();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void withoutItTheClientsWritesFailOnTheReset() throws Exception {
        // the defect the handler exists for: the server's close met data still coming, the kernel reset the
        // connection, and a client whose write fails (the JDK's WebSocket, OkHttp) reports that error instead
        // of the close frame waiting unread in its receive buffer (WebSocketCloseRelayIT shows it end to end)
        start(false);
        try (Socket socket = upgraded()) {
            assertThat(sendFrames(socket.getOutputStream(), 256, 16 * 1024)).as("a write failed on the reset").isTrue();
        }
    }

    private Socket upgraded() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("no upgrade answer: " + head);
            }
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        return socket;
    }

    /** Binary frames one after the other without reading; true if a write failed (the server reset). */
    private static boolean sendFrames(OutputStream out, int count, int size) {
        byte[] frame = frame(0x2, new byte[size]);
        try {
            for (int i = 0; i < count; i++) {
                out.write(frame);
            }
            out.flush();
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** A masked client frame (mask key zero: the payload as it is). */
    private static byte[] frame(int opcode, byte[] payload) {
        int headerLength = payload.length < 126 ? 2 : 4;
        byte[] frame = new byte[headerLength + 4 + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        if (payload.length < 126) {
            frame[1] = (byte) (0x80 | payload.length);
        } else {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (payload.length >>> 8);
            frame[3] = (byte) payload.length;
        }
        System.arraycopy(payload, 0, frame, headerLength + 4, payload.length);
        return frame;
    }

    /** Reads the server's frames up to its close frame; its status code. */
    private static int readCloseCode(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        while (true) {
            int first = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            long length = second & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            if ((first & 0x0F) == 0x8) {
                return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
            }
        }
    }
}
