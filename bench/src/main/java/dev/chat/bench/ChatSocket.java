package dev.chat.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * One device's WebSocket (API.md, {@code /ws}): connected with its user's token, every text frame it receives goes to
 * a callback (unparsed, on the connection's event loop), and the frames it is given ({@link #send}: acks, syncs) go
 * out in order. Frames the client sends: {@link #ack} and {@link #sync}.
 */
final class ChatSocket {

    private final Sinks.Many<String> outbound = Sinks.many().unicast().onBackpressureBuffer();
    private final Disposable connection;
    private volatile boolean closedByUs;

    /**
     * Connects (asynchronously: {@code session.ready} arrives as a frame).
     *
     * @param onFrame  every text frame received
     * @param onClosed the connection ended without {@link #close()} (with the error, or null when it closed cleanly)
     */
    ChatSocket(URI url, String token, Consumer<String> onFrame, Consumer<Throwable> onClosed) {
        connection = HttpClient.create()
                .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token))
                .websocket(WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
                .uri(url.toString())
                .handle((in, out) -> out.sendString(outbound.asFlux()).then()
                        .and(in.receive().asString(StandardCharsets.UTF_8).doOnNext(onFrame)))
                .subscribe(x -> { }, error -> {
                    if (!closedByUs) {
                        onClosed.accept(error);
                    }
                }, () -> {
                    if (!closedByUs) {
                        onClosed.accept(null);
                    }
                });
    }

    /** Queues a frame (from any thread; frames go out in the order of these calls). */
    void send(String frame) {
        synchronized (outbound) {
            outbound.emitNext(frame, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
        }
    }

    void close() {
        closedByUs = true;
        connection.dispose();
    }

    /** "delivered up to {@code seq}" */
    static String ack(String conversationId, long seq) {
        return "{\"type\":\"ack\",\"conversation_id\":\"" + conversationId + "\",\"seq\":" + seq + "}";
    }

    /** Replay what came after {@code afterSeq}, then {@code sync.done} with this {@code ref}. */
    static String sync(String conversationId, long afterSeq, String ref) {
        return "{\"type\":\"sync\",\"conversation_id\":\"" + conversationId + "\",\"after_seq\":" + afterSeq
                + ",\"ref\":\"" + ref + "\"}";
    }
}
