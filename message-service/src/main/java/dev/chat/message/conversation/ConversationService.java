package dev.chat.message.conversation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;

import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import reactor.core.publisher.Mono;

@Service
public class ConversationService {

    private final ConversationStore store;
    private final TransactionalOperator tx;
    private final ConversationProperties properties;

    ConversationService(ConversationStore store, TransactionalOperator tx, ConversationProperties properties) {
        this.store = store;
        this.tx = tx;
        this.properties = properties;
    }

    record Created(ConversationView conversation, boolean isNew) {
    }

    Mono<Created> create(ChatUser caller, CreateConversationRequest request) {
        String type = request.type();
        if (!"direct".equals(type) && !"group".equals(type)) {
            return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_CONVERSATION_TYPE, "type",
                    "type must be \"direct\" or \"group\""));
        }
        Set<String> others = new LinkedHashSet<>();
        if (request.participantIds() == null) {
            return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_PARTICIPANTS, "participant_ids",
                    "participant_ids is required"));
        }
        for (String id : request.participantIds()) {
            if (id == null || id.isBlank() || id.length() > ChatJwtDecoders.MAX_USER_ID_LENGTH) {
                return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_PARTICIPANTS,
                        "participant_ids", "every participant id must be a user id of 1.."
                                + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters"));
            }
            if (!id.equals(caller.id())) {
                others.add(id);
            }
        }
        if (others.size() > properties.maxParticipantsOnCreate()) {
            return Mono.error(ChatException.invalidField(ConversationErrors.TOO_MANY_PARTICIPANTS, "participant_ids",
                    "at most " + properties.maxParticipantsOnCreate() + " participants per request"));
        }
        Instant now = ChatJson.truncate(Instant.now());
        if ("direct".equals(type)) {
            if (others.size() != 1) {
                return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_PARTICIPANTS,
                        "participant_ids", "a direct conversation names exactly one other user"));
            }
            if (request.title() != null) {
                return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_TITLE, "title",
                        "direct conversations have no title"));
            }
            return createDirect(caller, others.iterator().next(), now);
        }
        String title = request.title() == null || request.title().isBlank() ? null : request.title().strip();
        if (title != null && title.codePointCount(0, title.length()) > properties.maxTitleLength()) {
            return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_TITLE, "title",
                    "title is longer than " + properties.maxTitleLength() + " characters"));
        }
        return createGroup(caller, new ArrayList<>(others), title, now);
    }

    private Mono<Created> createDirect(ChatUser caller, String other, Instant now) {
        String key = directKey(caller.id(), other);
        UUID id = UUID.randomUUID();
        Mono<Boolean> insert = store.insertConversation(id, "direct", null, caller.id(), now, key)
                .flatMap(inserted -> inserted
                        ? store.insertParticipants(id, List.of(caller.id(), other), List.of("member", "member"), now)
                                .thenReturn(true)
                        : Mono.just(false));
        return tx.transactional(insert)
                .flatMap(inserted -> inserted
                        ? get(caller.id(), id).map(view -> new Created(view, true))
                        : store.findDirect(key).flatMap(existing -> get(caller.id(), existing))
                                .map(view -> new Created(view, false)));
    }

    private Mono<Created> createGroup(ChatUser caller, List<String> others, String title, Instant now) {
        UUID id = UUID.randomUUID();
        List<String> users = new ArrayList<>();
        List<String> roles = new ArrayList<>();
        users.add(caller.id());
        roles.add("owner");
        for (String other : others) {
            users.add(other);
            roles.add("member");
        }
        Mono<Void> insert = store.insertConversation(id, "group", title, caller.id(), now, null)
                .then(store.insertParticipants(id, users, roles, now));
        return tx.transactional(insert).then(get(caller.id(), id)).map(view -> new Created(view, true));
    }

    /** The conversation as {@code userId} sees it; 404 {@code not_a_participant} if they are not in it. */
    public Mono<ConversationView> get(String userId, UUID conversationId) {
        return store.view(userId, conversationId, properties.maxListedParticipants())
                .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant));
    }

    /** Sorted and length-prefixed, so that no two pairs of opaque ids share a key. */
    static String directKey(String a, String b) {
        String first = a.compareTo(b) <= 0 ? a : b;
        String second = first.equals(a) ? b : a;
        return first.length() + ":" + first + second;
    }
}
