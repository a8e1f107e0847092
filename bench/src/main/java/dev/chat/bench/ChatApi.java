package dev.chat.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST calls the load generators make, as a client makes them (API.md): send a message, create a conversation,
 * register a device. One connection pool per instance; {@link #close()} releases it.
 */
final class ChatApi implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** An answer: its status, its body (empty when none) and its {@code Retry-After} header (null when none). */
    record Answer(int status, String body, String retryAfter) {

        /** 503 {@code overloaded}: shed by the gateway or message-service before any work, nothing stored. */
        boolean shed() {
            return status == 503 && body.contains("\"code\":\"overloaded\"");
        }

        /** {@code Retry-After} in seconds, or -1 when there is none (or it is not a number of seconds). */
        long retryAfterSeconds() {
            return retryAfter != null && retryAfter.matches("\\d{1,9}") ? Long.parseLong(retryAfter) : -1;
        }
    }

    private final ConnectionProvider pool;
    private final HttpClient http;

    /**
     * @param base            where requests go (the gateway, or a service straight)
     * @param name            the connection pool's name (seen in Reactor Netty's metrics and logs)
     * @param responseTimeout no answer within it fails the call with a timeout
     */
    ChatApi(URI base, String name, Duration responseTimeout) {
        this.pool = ConnectionProvider.builder(name).maxConnections(512).pendingAcquireMaxCount(100_000)
                .pendingAcquireTimeout(Duration.ofSeconds(30)).build();
        this.http = HttpClient.create(pool).baseUrl(base.toString()).responseTimeout(responseTimeout);
    }

    /** {@code POST /api/v1/messages}, once (no retry here: the caller decides). */
    Mono<Answer> postMessage(String token, String conversationId, UUID clientMessageId, String content) {
        return post(token, "/api/v1/messages", "{\"conversation_id\":\"" + conversationId + "\",\"client_message_id\":\""
                + clientMessageId + "\",\"content\":\"" + content + "\"}");
    }

    /** {@code POST} of a JSON body with the user's token. */
    Mono<Answer> post(String token, String path, String json) {
        return http.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token)
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                .post().uri(path)
                .send(ByteBufFlux.fromString(Mono.just(json)))
                .responseSingle((response, bytes) -> bytes.asString().defaultIfEmpty("").map(text -> new Answer(
                        response.status().code(), text, response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER))));
    }

    /** Creates a conversation and returns its id. */
    String createConversation(String token, String type, List<String> participantIds, String title) {
        String participants = participantIds.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
        String body = "{\"type\":\"" + type + "\",\"participant_ids\":[" + participants + "]"
                + (title == null ? "" : ",\"title\":\"" + title + "\"") + "}";
        return JSON.readTree(setUp(token, "/api/v1/conversations", body).body()).get("id").asString();
    }

    /** Registers a device of the user ({@code POST /api/v1/devices}). */
    void registerDevice(String token, String deviceJson) {
        setUp(token, "/api/v1/devices", deviceJson);
    }

    /**
     * A call that prepares a run: a 503 (shed while the previous step drains, or a cold stack) is retried as any client
     * would, after a while; any other answer than 200/201 fails the run.
     */
    private Answer setUp(String token, String path, String body) {
        Answer answer = post(token, path, body)
                .flatMap(a -> a.status() == 503
                        ? Mono.<Answer>error(new IllegalStateException("503 while setting up"))
                        : Mono.just(a))
                .retryWhen(Retry.backoff(10, Duration.ofMillis(500)))
                .block(Duration.ofSeconds(60));
        if (answer == null || (answer.status() != 201 && answer.status() != 200)) {
            throw new IllegalStateException("POST " + path + " answered " + answer);
        }
        return answer;
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(10));
    }
}
