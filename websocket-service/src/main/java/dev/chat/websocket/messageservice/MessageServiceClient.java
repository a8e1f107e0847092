package dev.chat.websocket.messageservice;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.WebSocketProperties;

/**
 * The calls this node makes to message-service, always on behalf of one session: with that
 * session's own token ({@code Authorization: Bearer}), so message-service checks membership exactly as
 * for the user's REST calls, and the node never holds more rights than its users.
 *
 * <ul>
 *   <li>{@code GET /api/v1/conversations/{id}/sync?after_seq=&after_change=&limit=} for {@code sync};</li>
 *   <li>{@code POST /api/v1/presence/query {"user_ids": [...]}} for {@code presence.subscribe};</li>
 *   <li>{@code GET /api/v1/large-conversations} when a session opens: the large groups it is subscribed to.</li>
 * </ul>
 *
 * <p>Non-blocking (Reactor Netty's client), each call bounded by {@code chat.ws.message-service.timeout},
 * and at most {@code max-in-flight} calls open per node: after a node dies, thousands of clients
 * reconnect and sync at once, and message-service sees them at a pace it can take.
 */
@Component
public class MessageServiceClient {

    /** What message-service answered: its status, and the JSON body of a 2xx answer or problem (else null). */
    public record Answer(int status, JsonNode body) {

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The problem's {@code detail}, if the answer was a problem+json with one. */
        public String detail() {
            return body == null ? null : body.path("detail").asString(null);
        }
    }

    private final WebClient http;
    private final InFlightLimit limit;
    private final JsonMapper json = ChatJson.mapper();
    private final Duration timeout;

    MessageServiceClient(WebSocketProperties properties, MeterRegistry meters) {
        WebSocketProperties.MessageService settings = properties.messageService();
        // Netty's response timeout answers first (a clean ReadTimeoutException); the overall bound, a
        // little later, also covers the wait for a pooled connection
        this.timeout = settings.timeout().plusSeconds(1);
        HttpClient client = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .responseTimeout(settings.timeout());
        this.http = WebClient.builder()
                .baseUrl(properties.messageServiceUri().toString())
                .clientConnector(new ReactorClientHttpConnector(client))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize((int) settings.maxResponseSize().toBytes()))
                .build();
        this.limit = new InFlightLimit(settings.maxInFlight());
        Gauge.builder("chat.ws.message-service.in-flight", limit, InFlightLimit::inFlight)
                .description("Calls to message-service open").register(meters);
        Gauge.builder("chat.ws.message-service.waiting", limit, InFlightLimit::waiting)
                .description("Calls to message-service waiting for a free slot").register(meters);
    }

    /**
     * One page of a conversation's sync.
     *
     * @param afterChange the change cursor the client passed back, or null for none
     */
    public Mono<Answer> sync(String token, UUID conversationId, long afterSeq, String afterChange, int limit) {
        return this.limit.run(() -> http.get()
                .uri(uri -> {
                    uri.path("/api/v1/conversations/{id}/sync")
                            .queryParam("after_seq", afterSeq);
                    if (afterChange != null) {
                        uri.queryParam("after_change", "{afterChange}");
                    }
                    return uri.queryParam("limit", limit).build(afterChange == null
                            ? Map.of("id", conversationId)
                            : Map.of("id", conversationId, "afterChange", afterChange));
                })
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .accept(MediaType.APPLICATION_JSON)
                .exchangeToMono(response -> response.bodyToMono(byte[].class)
                        .map(body -> new Answer(response.statusCode().value(), parse(body)))
                        .defaultIfEmpty(new Answer(response.statusCode().value(), null)))
                .timeout(timeout, Mono.error(() -> new TimeoutException("message-service did not answer in " + timeout))));
    }

    /** Whether a failed call timed out (Netty's response timeout or the overall bound), rather than failed. */
    public static boolean isTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof io.netty.handler.timeout.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Which of {@code userIds} share a conversation with the token's user, and their presence. */
    public Mono<Answer> presence(String token, List<String> userIds) {
        return limit.run(() -> http.post()
                .uri("/api/v1/presence/query")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON)
                .bodyValue(json.writeValueAsBytes(Map.of("user_ids", userIds)))
                .exchangeToMono(response -> response.bodyToMono(byte[].class)
                        .map(body -> new Answer(response.statusCode().value(), parse(body)))
                        .defaultIfEmpty(new Answer(response.statusCode().value(), null)))
                .timeout(timeout, Mono.error(() -> new TimeoutException("message-service did not answer in " + timeout))));
    }

    /** The token's user's large conversations ({@code {"conversation_ids": [...]}}), whose events name no members. */
    public Mono<Answer> largeConversations(String token) {
        return limit.run(() -> http.get()
                .uri("/api/v1/large-conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .accept(MediaType.APPLICATION_JSON)
                .exchangeToMono(response -> response.bodyToMono(byte[].class)
                        .map(body -> new Answer(response.statusCode().value(), parse(body)))
                        .defaultIfEmpty(new Answer(response.statusCode().value(), null)))
                .timeout(timeout, Mono.error(() -> new TimeoutException("message-service did not answer in " + timeout))));
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
    }
}
