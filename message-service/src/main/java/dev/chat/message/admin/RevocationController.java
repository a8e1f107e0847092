package dev.chat.message.admin;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.event.TokenRevocation;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code POST /api/v1/admin/revocations} {@code {"user_id", "issued_before"?}} (operators only: a token
 * with the scope {@code chat:admin}): every token of that user issued before {@code issued_before}
 * (default: now) is revoked. Published on {@code chat.revocations}, which every websocket node reads:
 * the user's sockets opened with such a token are closed with 4401 within seconds, and such tokens can
 * no longer open one. 202 once the broker has it.
 */
@RestController
class RevocationController {

    record RevocationRequest(String userId, Instant issuedBefore) {
    }

    private final KafkaTemplate<String, String> kafka;

    RevocationController(KafkaTemplate<String, String> kafka) {
        this.kafka = kafka;
    }

    @PostMapping("/api/v1/admin/revocations")
    Mono<ResponseEntity<TokenRevocation>> revoke(@RequestBody RevocationRequest request) {
        return Mono.defer(() -> {
            String user = request.userId();
            if (user == null || user.isBlank() || user.length() > ChatJwtDecoders.MAX_USER_ID_LENGTH) {
                return Mono.error(ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "user_id",
                        "must be a user id of 1.." + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters"));
            }
            Instant now = ChatJson.truncate(Instant.now());
            TokenRevocation revocation = new TokenRevocation(user,
                    request.issuedBefore() == null ? now : ChatJson.truncate(request.issuedBefore()), now);
            // a send may block on metadata: not on the event loop
            return Mono.fromCallable(() -> kafka.send(new ProducerRecord<>(Topics.CHAT_REVOCATIONS, user,
                            ChatJson.mapper().writeValueAsString(revocation))).get(10, TimeUnit.SECONDS))
                    .subscribeOn(Schedulers.boundedElastic())
                    .onErrorMap(e -> !(e instanceof ChatException), e -> new ChatException(HttpStatus.SERVICE_UNAVAILABLE,
                            ErrorCodes.SERVICE_UNAVAILABLE, "The revocation could not be published; retry"))
                    .thenReturn(ResponseEntity.status(HttpStatus.ACCEPTED).body(revocation));
        });
    }
}
