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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.chat.shared.auth.ChatUser;
import reactor.core.publisher.Mono;

@RestController
class ConversationController {

    private final ConversationService conversations;

    ConversationController(ConversationService conversations) {
        this.conversations = conversations;
    }

    /** 201 with the new conversation; 200 with the existing one when a direct conversation of this pair exists. */
    @PostMapping("/api/v1/conversations")
    Mono<ResponseEntity<ConversationView>> create(@RequestBody CreateConversationRequest request) {
        return ChatUser.current()
                .flatMap(user -> conversations.create(user, request))
                .map(created -> ResponseEntity.status(created.isNew() ? HttpStatus.CREATED : HttpStatus.OK)
                        .location(URI.create("/api/v1/conversations/" + created.conversation().id()))
                        .body(created.conversation()));
    }

    /** The caller's conversations, most recent activity first; also the reconnect entry point. */
    @GetMapping("/api/v1/conversations")
    Mono<ConversationPage> list(@RequestParam(name = "limit", required = false) Integer limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        return ChatUser.current().flatMap(user -> conversations.list(user.id(), limit, cursor));
    }

    @GetMapping("/api/v1/conversations/{id}")
    Mono<ConversationView> get(@PathVariable UUID id) {
        return ChatUser.current().flatMap(user -> conversations.get(user.id(), id));
    }

    /** Rename a group (owner or admin). */
    @PatchMapping("/api/v1/conversations/{id}")
    Mono<ConversationView> update(@PathVariable UUID id, @RequestBody UpdateConversationRequest request) {
        return ChatUser.current().flatMap(user -> conversations.update(user, id, request));
    }

    @GetMapping("/api/v1/conversations/{id}/participants")
    Mono<ParticipantPage> participants(@PathVariable UUID id,
            @RequestParam(name = "limit", required = false) Integer limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        return ChatUser.current().flatMap(user -> conversations.participants(user.id(), id, limit, cursor));
    }

    /** Add members to a group (owner or admin); 200 with the conversation. */
    @PostMapping("/api/v1/conversations/{id}/participants")
    Mono<ConversationView> addParticipants(@PathVariable UUID id, @RequestBody AddParticipantsRequest request) {
        return ChatUser.current().flatMap(user -> conversations.addParticipants(user, id, request));
    }

    /** Remove a participant (owner or admin), or yourself (leave); 204. */
    @DeleteMapping("/api/v1/conversations/{id}/participants/{user_id}")
    Mono<ResponseEntity<Void>> removeParticipant(@PathVariable UUID id, @PathVariable("user_id") String userId) {
        return ChatUser.current()
                .flatMap(user -> conversations.removeParticipant(user, id, userId))
                .then(Mono.just(ResponseEntity.noContent().build()));
    }

    /**
     * {@code GET /api/v1/large-conversations}: the caller's conversations whose events are for the whole
     * conversation (more than {@code recipient-list-threshold} members). Websocket nodes subscribe a new
     * session to these; clients need not call it.
     */
    @GetMapping("/api/v1/large-conversations")
    Mono<LargeConversations> large() {
        return ChatUser.current().flatMap(user -> conversations.large(user.id()))
                .map(LargeConversations::new);
    }

    record LargeConversations(java.util.List<UUID> conversationIds) {
    }

    /** The caller's own settings of the conversation (mute); 200 with the conversation as the caller sees it. */
    @PutMapping("/api/v1/conversations/{id}/settings")
    Mono<ConversationView> updateSettings(@PathVariable UUID id, @RequestBody ConversationSettingsRequest request) {
        return ChatUser.current().flatMap(user -> conversations.updateSettings(user.id(), id, request));
    }
}
