package dev.chat.message.presence;

import java.util.List;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/presence/query} {@code {"user_ids": [...]}} -> {@code {"presence": [{"user_id",
 * "online", "last_seen_at"}]}}: the presence of those users who share a conversation with the caller
 * (and the caller's own); the others are left out, so nothing is learnt of strangers. Websocket nodes
 * call it (with the subscriber's token) for {@code presence.subscribe}; clients may too.
 */
@RestController
class PresenceController {

    record PresenceQuery(List<String> userIds) {
    }

    record PresenceAnswer(List<PresenceStore.State> presence) {
    }

    private final PresenceStore store;
    private final PresenceProperties properties;

    PresenceController(PresenceStore store, PresenceProperties properties) {
        this.store = store;
        this.properties = properties;
    }

    @PostMapping("/api/v1/presence/query")
    Mono<PresenceAnswer> query(@RequestBody PresenceQuery query) {
        return ChatUser.current().flatMap(user -> {
            List<String> ids = query.userIds();
            if (ids == null) {
                return Mono.error(ChatException.invalidField(ErrorCodes.VALIDATION_FAILED, "user_ids", "is required"));
            }
            if (ids.size() > properties.maxQueryUsers()) {
                return Mono.error(ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "user_ids",
                        "at most " + properties.maxQueryUsers() + " user ids"));
            }
            for (String id : ids) {
                if (id == null || id.isBlank() || id.length() > ChatJwtDecoders.MAX_USER_ID_LENGTH) {
                    return Mono.error(ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "user_ids",
                            "every user id must be 1.." + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters"));
                }
            }
            return ids.isEmpty() ? Mono.just(new PresenceAnswer(List.of()))
                    : store.visibleTo(user.id(), ids).collectList().map(PresenceAnswer::new);
        });
    }
}
