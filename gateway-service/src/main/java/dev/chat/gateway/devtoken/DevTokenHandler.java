package dev.chat.gateway.devtoken;

import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebInputException;

import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.problem.ChatException;
import reactor.core.publisher.Mono;

/** {@code POST /api/v1/dev/tokens}: validates the request and answers with a signed token. */
class DevTokenHandler {

    static final String INVALID_USER_ID = "invalid_user_id";
    static final String INVALID_NAME = "invalid_name";
    static final int MAX_NAME_LENGTH = 256;

    private final DevTokenIssuer issuer;

    DevTokenHandler(DevTokenIssuer issuer) {
        this.issuer = issuer;
    }

    Mono<ServerResponse> issue(ServerRequest request) {
        return request.bodyToMono(DevTokenRequest.class)
                .switchIfEmpty(Mono.error(() -> new ServerWebInputException("No request body")))
                .map(this::issue)
                .flatMap(token -> ServerResponse.ok().bodyValue(token));
    }

    private DevTokenResponse issue(DevTokenRequest body) {
        String userId = body.userId();
        if (userId == null || userId.isBlank()) {
            throw ChatException.invalidField(INVALID_USER_ID, "user_id", "user_id is required");
        }
        if (userId.length() > ChatJwtDecoders.MAX_USER_ID_LENGTH) {
            throw ChatException.invalidField(INVALID_USER_ID, "user_id",
                    "user_id must be at most " + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters");
        }
        if (body.name() != null && body.name().length() > MAX_NAME_LENGTH) {
            throw ChatException.invalidField(INVALID_NAME, "name",
                    "name must be at most " + MAX_NAME_LENGTH + " characters");
        }
        return issuer.issue(userId, body.name());
    }
}
