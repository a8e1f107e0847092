package dev.chat.message.conversation;

import java.net.URI;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.chat.shared.auth.ChatUser;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/api/v1/conversations")
class ConversationController {

    private final ConversationService conversations;

    ConversationController(ConversationService conversations) {
        this.conversations = conversations;
    }

    /** 201 with the new conversation; 200 with the existing one when a direct conversation of this pair exists. */
    @PostMapping
    Mono<ResponseEntity<ConversationView>> create(@RequestBody CreateConversationRequest request) {
        return ChatUser.current()
                .flatMap(user -> conversations.create(user, request))
                .map(created -> ResponseEntity.status(created.isNew() ? HttpStatus.CREATED : HttpStatus.OK)
                        .location(URI.create("/api/v1/conversations/" + created.conversation().id()))
                        .body(created.conversation()));
    }

    @GetMapping("/{id}")
    Mono<ConversationView> get(@PathVariable UUID id) {
        return ChatUser.current().flatMap(user -> conversations.get(user.id(), id));
    }
}
