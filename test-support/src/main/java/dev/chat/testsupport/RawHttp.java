package dev.chat.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 request written byte for byte on a fresh socket, with no client library to clean the
 * request line up: for requests that are refused before any handler runs (bad escapes, encoded control
 * characters, oversized lines, malformed headers).
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
}
