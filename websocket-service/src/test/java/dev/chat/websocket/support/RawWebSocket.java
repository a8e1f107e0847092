package dev.chat.websocket.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket client on a plain TCP socket, for what well-behaved clients never do: complete the
 * upgrade and then not read (slow client) or never answer pings (dead peer). Also shows the HTTP
 * answer to a refused upgrade (status, headers, body).
 */
public final class RawWebSocket implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final HttpAnswer answer;

    private RawWebSocket(Socket socket, DataInputStream in, OutputStream out, HttpAnswer answer) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.answer = answer;
    }

    /** Sends an upgrade request for {@code pathAndQuery} with the given headers and reads the answer's head. */
    public static RawWebSocket open(int port, String pathAndQuery, Map<String, String> headers) {
        return open(port, pathAndQuery, headers, 0);
    }

    /**
     * Like {@link #open(int, String, Map)}; a positive {@code receiveBufferBytes} shrinks the socket's
     * receive buffer, so that a client that does not read fills up quickly.
     */
    public static RawWebSocket open(int port, String pathAndQuery, Map<String, String> headers, int receiveBufferBytes) {
        try {
            Socket socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            // every frame its own TCP segment, as a client writing frame by frame would send it
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(15_000);
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            StringBuilder request = new StringBuilder()
                    .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\n")
                    .append("Connection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(nonce)).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            HttpAnswer answer = readHead(in);
            if (answer.status() != 101) {
                answer = answer.withBody(readBody(in, answer.headers()));
            }
            return new RawWebSocket(socket, in, out, answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RawWebSocket open(int port, String token) {
        return open(port, "/ws", Map.of("Authorization", "Bearer " + token));
    }

    public HttpAnswer answer() {
        return answer;
    }

    /** The next frame from the server. */
    public Frame readFrame() {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return new Frame(b0 & 0x0F, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads frames until a close frame; returns its code, or -1 if the connection ended without one. */
    public int readUntilClose() {
        while (true) {
            Frame frame;
            try {
                frame = readFrame();
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof EOFException || e.getCause() instanceof SocketTimeoutException) {
                    return -1;
                }
                if (e.getCause() instanceof java.net.SocketException) {
                    return -1;
                }
                throw e;
            }
            if (frame.opcode() == Frame.CLOSE) {
                return frame.closeCode();
            }
        }
    }

    /** True once the server has closed the TCP connection (reads end of stream). */
    public boolean readsEndOfStream() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    public void sendText(String text) {
        writeFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a close frame with this status code. */
    public void sendClose(int code) {
        writeFrame(Frame.CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** Half-closes the connection: the server reads end of stream, this side can still read. */
    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads until the server's close frame or the end of the connection.
     *
     * @return the text frames received and the close code (-1 when the connection ended without a
     *         close frame, as a client reports 1006), with the I/O failure that ended it, if any
     */
    public Ending readToEnd() {
        List<String> texts = new ArrayList<>();
        while (true) {
            Frame frame;
            try {
                frame = readFrame();
            } catch (UncheckedIOException e) {
                return new Ending(texts, -1, e.getCause().toString());
            }
            if (frame.opcode() == Frame.CLOSE) {
                return new Ending(texts, frame.closeCode(), null);
            }
            if (frame.opcode() == Frame.TEXT) {
                texts.add(frame.text());
            }
        }
    }

    /** How a connection ended, as the client saw it. */
    public record Ending(List<String> texts, int closeCode, String failure) {
    }

    private void writeFrame(int opcode, byte[] payload) {
        try {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x80 | opcode);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else if (payload.length < 65536) {
                frame.write(0x80 | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length & 0xFF);
            } else {
                frame.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >>> shift) & 0xFF);
                }
            }
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static HttpAnswer readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("connection closed during the HTTP answer");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        return new HttpAnswer(status, headers, "");
    }

    private static String readBody(DataInputStream in, Map<String, String> headers) throws IOException {
        if (headers.containsKey("content-length")) {
            byte[] body = new byte[Integer.parseInt(headers.get("content-length"))];
            in.readFully(body);
            return new String(body, StandardCharsets.UTF_8);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    readLine(in);
                    return body.toString(StandardCharsets.UTF_8);
                }
                byte[] chunk = new byte[size];
                in.readFully(chunk);
                body.write(chunk);
                readLine(in);
            }
        }
        return "";
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The HTTP answer to the upgrade request. */
    public record HttpAnswer(int status, Map<String, String> headers, String body) {

        HttpAnswer withBody(String body) {
            return new HttpAnswer(status, headers, body);
        }
    }

    /** One WebSocket frame from the server. */
    public record Frame(int opcode, byte[] payload) {

        public static final int TEXT = 0x1;
        public static final int CLOSE = 0x8;
        public static final int PING = 0x9;

        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
