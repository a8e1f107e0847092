package dev.chat.message.conversation;

import java.net.URI;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
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

    /** The caller's conversations, most recent activity first; also the reconnect entry point. */
    @GetMapping
    Mono<ConversationPage> list(@RequestParam(name = "limit", required = false) Integer limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        return ChatUser.current().flatMap(user -> conversations.list(user.id(), limit, cursor));
    }

    @GetMapping("/{id}")
    Mono<ConversationView> get(@PathVariable UUID id) {
        return ChatUser.current().flatMap(user -> conversations.get(user.id(), id));
    }

    /** Rename a group (owner or admin). */
    @PatchMapping("/{id}")
    Mono<ConversationView> update(@PathVariable UUID id, @RequestBody UpdateConversationRequest request) {
        return ChatUser.current().flatMap(user -> conversations.update(user, id, request));
    }

    @GetMapping("/{id}/participants")
    Mono<ParticipantPage> participants(@PathVariable UUID id,
            @RequestParam(name = "limit", required = false) Integer limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        return ChatUser.current().flatMap(user -> conversations.participants(user.id(), id, limit, cursor));
    }

    /** Add members to a group (owner or admin); 200 with the conversation. */
    @PostMapping("/{id}/participants")
    Mono<ConversationView> addParticipants(@PathVariable UUID id, @RequestBody AddParticipantsRequest request) {
        return ChatUser.current().flatMap(user -> conversations.addParticipants(user, id, request));
    }

    /** Remove a participant (owner or admin), or yourself (leave); 204. */
    @DeleteMapping("/{id}/participants/{user_id}")
    Mono<ResponseEntity<Void>> removeParticipant(@PathVariable UUID id, @PathVariable("user_id") String userId) {
        return ChatUser.current()
                .flatMap(user -> conversations.removeParticipant(user, id, userId))
                .then(Mono.just(ResponseEntity.noContent().build()));
    }

    /** The caller's own settings of the conversation (mute); 200 with the conversation as the caller sees it. */
    @PutMapping("/{id}/settings")
    Mono<ConversationView> updateSettings(@PathVariable UUID id, @RequestBody ConversationSettingsRequest request) {
        return ChatUser.current().flatMap(user -> conversations.updateSettings(user.id(), id, request));
    }
}
