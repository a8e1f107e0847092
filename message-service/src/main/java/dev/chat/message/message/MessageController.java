package dev.chat.message.message;

import java.net.URI;
import java.util.UUID;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.chat.message.ratelimit.SendRateLimiter;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.event.ChatMessage;
import reactor.core.publisher.Mono;

@RestController
class MessageController {

    private final MessageService messages;
    private final SendRateLimiter sendLimit;

    MessageController(MessageService messages, SendRateLimiter sendLimit) {
        this.messages = messages;
        this.sendLimit = sendLimit;
    }

    /**
     * 201 with the new message; 200 with the original when this client_message_id was sent before; 429 with
     * {@code Retry-After} over the per-user send limit (checked first, shared by every instance; nothing stored).
     */
    @PostMapping("/api/v1/messages")
    Mono<ResponseEntity<ChatMessage>> send(@RequestBody SendMessageRequest request,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            ServerHttpResponse response) {
        return ChatUser.current()
                .flatMap(user -> sendLimit.acquire(user.id())
                        .doOnError(SendRateLimiter.RateLimitedException.class, e -> response.getHeaders()
                                .set(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds())))
                        .then(Mono.defer(() -> messages.send(user, request, idempotencyKey))))
                .map(result -> ResponseEntity.status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                        .location(URI.create("/api/v1/messages/" + result.message().id()))
                        .body(result.message()));
    }

    /** 200 with the edited message (sender only). */
    @PatchMapping("/api/v1/messages/{id}")
    Mono<ChatMessage> edit(@PathVariable UUID id, @RequestBody EditMessageRequest request) {
        return ChatUser.current().flatMap(user -> messages.edit(user.id(), id, request));
    }

    /** 204: the message is a tombstone now (also when it already was). */
    @DeleteMapping("/api/v1/messages/{id}")
    Mono<ResponseEntity<Void>> delete(@PathVariable UUID id) {
        return ChatUser.current()
                .flatMap(user -> messages.delete(user.id(), id))
                .then(Mono.fromSupplier(() -> ResponseEntity.noContent().<Void>build()));
    }

    @GetMapping("/api/v1/conversations/{id}/messages")
    Mono<MessagePage> history(@PathVariable UUID id,
            @RequestParam(name = "after_seq", required = false) Long afterSeq,
            @RequestParam(name = "before_seq", required = false) Long beforeSeq,
            @RequestParam(name = "limit", required = false) Integer limit) {
        return ChatUser.current().flatMap(user -> messages.history(user.id(), id, afterSeq, beforeSeq, limit));
    }

    /**
     * What this caller missed in one conversation since {@code after_seq} (and, with {@code after_change},
     * edits and deletes of older messages): the REST form of the WebSocket {@code sync} frame.
     */
    @GetMapping("/api/v1/conversations/{id}/sync")
    Mono<SyncResponse> sync(@PathVariable UUID id,
            @RequestParam(name = "after_seq", required = false) Long afterSeq,
            @RequestParam(name = "after_change", required = false) Long afterChange,
            @RequestParam(name = "limit", required = false) Integer limit) {
        return ChatUser.current().flatMap(user -> messages.sync(user.id(), id, afterSeq, afterChange, limit));
    }
}
