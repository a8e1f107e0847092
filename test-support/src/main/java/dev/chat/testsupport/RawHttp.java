package dev.chat.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 request written byte for byte on a fresh socket, with no client library to clean the
 * request line up: for requests that are refused before any handler runs (bad escapes, encoded control
 * characters, oversized lines, malformed headers). {@link KeptAlive} keeps one connection for several
 * requests, written one after the other or pipelined.
 */
public final class RawHttp {

    /** The status, the lower-cased head, and the body of the answer. */
    public record Answer(int status, String head, String body) {
        public String contentType() {
            for (String line : head.split("\r\n")) {
                if (line.startsWith("content-type:")) {
                    return line.substring("content-type:".length()).trim();
                }
            }
            return null;
        }
    }

    private RawHttp() {
    }

    /**
     * @param requestLine e.g. {@code GET /api/v1/x HTTP/1.1}
     * @param headers     extra header lines separated by CRLF, or null
     */
    public static Answer send(int port, String requestLine, String headers, String body) {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: localhost" + (headers == null ? "" : "\r\n" + headers)
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(answer);
            String text = answer.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            if (split < 0) {
                throw new IllegalStateException("no HTTP answer: [" + text + "]");
            }
            String head = text.substring(0, split).toLowerCase(Locale.ROOT);
            int status = Integer.parseInt(head.split(" ")[1]);
            return new Answer(status, head, text.substring(split + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens a connection that stays open for several requests; answers are read one at a time, in order. */
    public static KeptAlive keptAlive(int port, Duration answerTimeout) {
        try {
            Socket socket = new Socket("localhost", port);
            socket.setSoTimeout((int) answerTimeout.toMillis());
            return new KeptAlive(socket, answerTimeout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kept-alive HTTP/1.1 connection: requests written as given, answers read by their framing. */
    public static final class KeptAlive implements AutoCloseable {

        private final Socket socket;
        private final InputStream in;
        private final Duration answerTimeout;

        private KeptAlive(Socket socket, Duration answerTimeout) throws IOException {
            this.socket = socket;
            this.answerTimeout = answerTimeout;
            this.in = new BufferedInputStream(socket.getInputStream());
        }

        /** A request's bytes: request line, Host, the given header lines (CRLF-separated, or null), a body. */
        public static String request(String requestLine, String headers, String body) {
            String bodyHeaders = body.isEmpty() ? ""
                    : "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length;
            return requestLine + "\r\nHost: localhost" + (headers == null ? "" : "\r\n" + headers) + bodyHeaders
                    + "\r\n\r\n" + body;
        }

        /** Writes these requests at once, without waiting for any answer (pipelined when more than one). */
        public KeptAlive write(String... requests) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(String.join("", requests).getBytes(StandardCharsets.UTF_8));
                out.flush();
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The next answer on this connection (Content-Length or chunked body).
         *
         * @throws IllegalStateException when none arrived within the answer timeout
         */
        public Answer read() {
            try {
                String head = readHead().toLowerCase(Locale.ROOT);
                int status = Integer.parseInt(head.split(" ")[1]);
                String body;
                if (head.contains("transfer-encoding: chunked")) {
                    body = readChunked();
                } else {
                    body = new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
                }
                return new Answer(status, head, body);
            } catch (SocketTimeoutException e) {
                throw new IllegalStateException("no answer within " + answerTimeout, e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String readHead() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed before an answer's head: [" + head + "]");
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            return text.substring(0, text.length() - 4);
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new EOFException("connection closed inside a chunked body");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        private String readChunked() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine();
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    // trailers, up to the empty line
                    while (!readLine().isEmpty()) {
                        // ignored
                    }
                    return body.toString(StandardCharsets.UTF_8);
                }
                body.write(in.readNBytes(size));
                readLine();
            }
        }

        private static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.startsWith("content-length:")) {
                    return Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
