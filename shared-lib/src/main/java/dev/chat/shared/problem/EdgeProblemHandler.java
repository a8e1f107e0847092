package dev.chat.shared.problem;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.shared.json.ChatJson;

/**
 * The last line of "every error is problem+json": an error answered before any handler of ours ran
 * (the HTTP decoder's 400/414/431 for a bad request line, a URI that cannot be parsed, Spring
 * Security's firewall rejecting an encoded NUL, slash, backslash, semicolon or CR/LF) goes out as an
 * empty response. This Netty handler, right after the HTTP codec, gives such responses (status >= 400,
 * no Content-Type, no body) a problem+json body with a stable {@code code}. Everything else passes
 * untouched.
 *
 * <p>Such an error usually ends the connection ({@code Connection: close}) while the client is still
 * sending: a 64 KB header is refused (431) after the first 8 KB are read. Closing a socket with unread
 * input makes the kernel answer with a TCP reset, and the reset destroys the answer in the client's receive
 * buffer: the client saw "connection reset" instead of its 431. So the close after such an answer lingers:
 * the output is shut down (FIN after the answer), the rest of the request is read and discarded (the HTTP
 * decoder skips everything after a bad message), and the connection is closed when the client closes its
 * side or after {@link #LINGER_MILLIS} at most.
 */
public final class EdgeProblemHandler extends ChannelDuplexHandler {

    public static final String NAME = "chat.edgeProblem";

    private static final JsonMapper JSON = ChatJson.mapper();

    /** The longest a connection ended by an edge error keeps reading (and discarding) before it is closed. */
    static final long LINGER_MILLIS = 2_000;

    /** A headers-only error response is on its way; its (empty) last content gets the body. */
    private ByteBuf pendingBody;

    /** An error that ends the connection was answered: its close lingers. */
    private boolean lingerOnClose;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof FullHttpResponse full) {
            if (isBareError(full) && !full.content().isReadable()) {
                // a new message: the empty one's buffer may be a shared, read-only empty buffer
                FullHttpResponse withBody = full.replace(Unpooled.wrappedBuffer(body(full.status())));
                full.release();
                withBody.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
                HttpUtil.setContentLength(withBody, withBody.content().readableBytes());
                lingerOnClose |= !HttpUtil.isKeepAlive(withBody);
                super.write(ctx, withBody, promise);
                return;
            }
        } else if (msg instanceof HttpResponse response) {
            if (isBareError(response) && HttpUtil.getContentLength(response, -1L) == 0) {
                byte[] body = body(response.status());
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
                HttpUtil.setContentLength(response, body.length);
                pendingBody = Unpooled.wrappedBuffer(body);
                lingerOnClose |= !HttpUtil.isKeepAlive(response);
            }
        } else if (msg instanceof LastHttpContent last && pendingBody != null) {
            ByteBuf body = pendingBody;
            pendingBody = null;
            if (!last.content().isReadable()) {
                last.release();
                ctx.write(new DefaultLastHttpContent(body), promise);
                return;
            }
            body.release();
        }
        super.write(ctx, msg, promise);
    }

    /**
     * After an edge error that ends the connection: FIN instead of RST, so that the client can read the answer
     * although it has not finished sending (see the class comment).
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        DuplexChannel duplex = lingerOnClose ? LingeringClose.candidate(ctx) : null;
        if (duplex != null) {
            lingerOnClose = false;
            LingeringClose.start(ctx, duplex, promise, LINGER_MILLIS);
            return;
        }
        super.close(ctx, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pendingBody != null) {
            pendingBody.release();
            pendingBody = null;
        }
    }

    private static boolean isBareError(HttpResponse response) {
        return response.status().code() >= 400 && !response.headers().contains(HttpHeaderNames.CONTENT_TYPE);
    }

    static byte[] body(HttpResponseStatus status) {
        String code = switch (status.code()) {
            case 400 -> ErrorCodes.MALFORMED_REQUEST;
            case 404 -> ErrorCodes.NOT_FOUND;
            case 405 -> ErrorCodes.METHOD_NOT_ALLOWED;
            case 408 -> "request_timeout";
            case 413 -> ErrorCodes.PAYLOAD_TOO_LARGE;
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 503 -> ErrorCodes.SERVICE_UNAVAILABLE;
            default -> status.code() >= 500 ? ErrorCodes.INTERNAL_ERROR
                    : status.reasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '_');
        };
        String detail = switch (status.code()) {
            case 400 -> "The request line, URI or headers cannot be accepted (bad escapes, encoded control characters, "
                    + "slashes, backslashes or semicolons in the path)";
            case 414 -> "The request URI is too long";
            case 431 -> "The request headers are too large";
            default -> status.reasonPhrase();
        };
        return JSON.writeValueAsBytes(Problem.of(status.code(), status.reasonPhrase(), code, detail, null, List.of()));
    }

    /** For tests: the body an empty response of this status gets. */
    static String bodyText(int status) {
        return new String(body(HttpResponseStatus.valueOf(status)), StandardCharsets.UTF_8);
    }
}
