package dev.chat.message.conversation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.springframework.stereotype.Service;

import dev.chat.message.outbox.Outbox;
import dev.chat.shared.auth.ChatJwtDecoders;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import reactor.core.publisher.Mono;

/**
 * Conversations and their members. Every change runs in one transaction that first locks the
 * conversation row (as sends do), makes the change, and appends one {@code conversation.updated}
 * event to the outbox: a delta ({@code added}, {@code removed}) with the conversation as it now is,
 * never one event per member.
 */
@Service
public class ConversationService {

    private static final String OWNER = "owner";
    private static final String ADMIN = "admin";
    private static final String MEMBER = "member";
    private static final String GROUP = "group";

    private final ConversationStore store;
    private final ConversationProperties properties;
    private final Outbox outbox;

    ConversationService(ConversationStore store, ConversationProperties properties, Outbox outbox) {
        this.store = store;
        this.properties = properties;
        this.outbox = outbox;
    }

    record Created(ConversationView conversation, boolean isNew) {
    }

    Mono<Created> create(ChatUser caller, CreateConversationRequest request) {
        String type = request.type();
        if (!"direct".equals(type) && !GROUP.equals(type)) {
            return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_CONVERSATION_TYPE, "type",
                    "type must be \"direct\" or \"group\""));
        }
        Set<String> others = new LinkedHashSet<>();
        if (request.participantIds() == null) {
            return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_PARTICIPANTS, "participant_ids",
                    "participant_ids is required"));
        }
        for (String id : request.participantIds()) {
            if (!isUserId(id)) {
                return Mono.error(invalidUserId("participant_ids"));
            }
            if (!id.equals(caller.id())) {
                others.add(id);
            }
        }
        if (others.size() > properties.maxParticipantsOnCreate()) {
            return Mono.error(ChatException.invalidField(ConversationErrors.TOO_MANY_PARTICIPANTS, "participant_ids",
                    "at most " + properties.maxParticipantsOnCreate() + " participants per request"));
        }
        if (others.size() + 1 > properties.maxMembers()) {
            return Mono.error(ConversationErrors.conversationFull(properties.maxMembers()));
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
        return Mono.defer(() -> createGroup(caller, new ArrayList<>(others), title(request.title()), now));
    }

    private Mono<Created> createDirect(ChatUser caller, String other, Instant now) {
        String key = directKey(caller.id(), other);
        UUID id = UUID.randomUUID();
        Mono<Boolean> insert = store.insertConversation(id, "direct", null, caller.id(), now, key)
                .flatMap(inserted -> inserted
                        ? store.insertParticipants(id, List.of(caller.id(), other), List.of(MEMBER, MEMBER), now)
                                .thenReturn(true)
                        : Mono.just(false));
        // no event: the other user learns of a direct conversation with its first message (or the list)
        return outbox.transactional(insert)
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
        roles.add(OWNER);
        for (String other : others) {
            users.add(other);
            roles.add(MEMBER);
        }
        // everyone's devices learn of the new group at once, from one event
        Mono<Void> insert = store.insertConversation(id, GROUP, title, caller.id(), now, null)
                .then(store.insertParticipants(id, users, roles, now))
                .then(appendUpdated(id, users, List.of(), List.of(), now));
        return outbox.transactional(insert)
                .then(get(caller.id(), id)).map(view -> new Created(view, true));
    }

    /** The conversation as {@code userId} sees it; 404 {@code not_a_participant} if they are not in it. */
    public Mono<ConversationView> get(String userId, UUID conversationId) {
        return store.view(userId, conversationId, properties.maxListedParticipants())
                .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant));
    }

    /** The user's conversations whose events are for the whole conversation (too large to name recipients). */
    Mono<List<UUID>> large(String userId) {
        return store.largeConversations(userId, properties.recipientListThreshold()).collectList();
    }

    /** The caller's conversations, most recent activity first. */
    Mono<ConversationPage> list(String userId, Integer limit, String cursor) {
        return Mono.defer(() -> {
            int pageSize = pageSize(limit, properties.defaultPageSize(), properties.maxPageSize());
            PageCursor after = PageCursor.decode(PageCursor.Kind.CONVERSATIONS, cursor);
            return store.page(userId, after, pageSize + 1, properties.maxListedParticipants())
                    .map(views -> {
                        if (views.size() <= pageSize) {
                            return new ConversationPage(views, null);
                        }
                        List<ConversationView> page = views.subList(0, pageSize);
                        ConversationView last = page.getLast();
                        return new ConversationPage(page,
                                PageCursor.conversations(last.lastActivityAt(), last.id()).encode());
                    });
        });
    }

    /** The participants, longest-standing first, for conversations of any size. */
    Mono<ParticipantPage> participants(String userId, UUID conversationId, Integer limit, String cursor) {
        return Mono.defer(() -> {
            int pageSize = pageSize(limit, properties.defaultParticipantsPageSize(),
                    properties.maxParticipantsPageSize());
            PageCursor after = PageCursor.decode(PageCursor.Kind.PARTICIPANTS, cursor);
            return store.isParticipant(conversationId, userId)
                    .flatMap(member -> member
                            ? store.participantPage(conversationId, after, pageSize + 1).collectList()
                            : Mono.error(ConversationErrors.notAParticipant()))
                    .map(rows -> {
                        if (rows.size() <= pageSize) {
                            return new ParticipantPage(rows, null);
                        }
                        List<ConversationView.Participant> page = rows.subList(0, pageSize);
                        ConversationView.Participant last = page.getLast();
                        return new ParticipantPage(page,
                                PageCursor.participants(last.joinedAt(), last.userId()).encode());
                    });
        });
    }

    /** Renames a group (owner or admin); an absent title changes nothing, null or blank removes it. */
    Mono<ConversationView> update(ChatUser caller, UUID conversationId, UpdateConversationRequest request) {
        return Mono.defer(() -> {
            boolean given = request.titleGiven();
            String title = given ? title(request.title()) : null;
            Instant now = ChatJson.truncate(Instant.now());
            Mono<Boolean> work = lockAsManager(conversationId, caller.id(), "rename the conversation")
                    .flatMap(locked -> !given || Objects.equals(title, locked.title())
                            ? Mono.just(false) // nothing changes: no event
                            : store.updateTitle(conversationId, title)
                                    .then(appendUpdated(conversationId, List.of(), List.of(), List.of(), now))
                                    .thenReturn(true));
            return commit(work).then(get(caller.id(), conversationId));
        });
    }

    /** Adds members to a group (owner or admin); users already in it are ignored. */
    Mono<ConversationView> addParticipants(ChatUser caller, UUID conversationId, AddParticipantsRequest request) {
        return Mono.defer(() -> {
            Set<String> wanted = userIdsToAdd(caller, request);
            Instant now = ChatJson.truncate(Instant.now());
            Mono<Boolean> work = lockAsManager(conversationId, caller.id(), "add participants")
                    .flatMap(locked -> wanted.isEmpty() ? Mono.just(List.<String>of())
                            : store.addMembers(conversationId, wanted, now).collect(HashSet::new, Set::add)
                                    .map(inserted -> wanted.stream().filter(inserted::contains).toList()))
                    // counted under the conversation's lock, after the insert: beyond the cap, all of it rolls back
                    .flatMap(added -> added.isEmpty() ? Mono.just(added)
                            : store.memberCount(conversationId).flatMap(count -> count > properties.maxMembers()
                                    ? Mono.error(ConversationErrors.conversationFull(properties.maxMembers()))
                                    : Mono.just(added)))
                    .flatMap(added -> added.isEmpty() ? Mono.just(false)
                            // activity: the group comes first in the new members' lists
                            : store.touch(conversationId, now)
                                    .then(appendUpdated(conversationId, added, List.of(), List.of(), now))
                                    .thenReturn(true));
            return commit(work).then(get(caller.id(), conversationId));
        });
    }

    /**
     * Removes a participant from a group: owner and admins remove anyone but the owner, anyone removes
     * themselves (leaves). When the owner leaves, the longest-standing admin becomes owner, else the
     * longest-standing member. The removed user receives the event too: it is their last one.
     */
    Mono<Void> removeParticipant(ChatUser caller, UUID conversationId, String userId) {
        Instant now = ChatJson.truncate(Instant.now());
        boolean leaving = caller.id().equals(userId);
        Mono<Boolean> work = lockAsParticipant(conversationId, caller.id())
                .flatMap(locked -> {
                    if (!GROUP.equals(locked.type())) {
                        return Mono.error(ConversationErrors.notAGroup());
                    }
                    if (leaving) {
                        return Mono.just(userId);
                    }
                    return store.role(conversationId, caller.id())
                            .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant))
                            .flatMap(myRole -> isManager(myRole) ? store.role(conversationId, userId)
                                    : Mono.error(ConversationErrors.forbiddenRole(
                                            "Only the owner and admins may remove participants")))
                            .switchIfEmpty(Mono.error(ConversationErrors::participantNotFound))
                            .flatMap(targetRole -> OWNER.equals(targetRole)
                                    ? Mono.error(ConversationErrors.forbiddenRole(
                                            "The owner cannot be removed; the owner may leave"))
                                    : Mono.just(userId));
                })
                .flatMap(target -> store.removeParticipant(conversationId, target)
                        // removed by someone else while this transaction waited for the lock
                        .switchIfEmpty(Mono.error(leaving ? ConversationErrors.notAParticipant()
                                : ConversationErrors.participantNotFound())))
                .flatMap(removedRole -> OWNER.equals(removedRole)
                        ? store.passOwnership(conversationId).then() : Mono.<Void>empty())
                .then(appendUpdated(conversationId, List.of(), List.of(userId), List.of(userId), now))
                .thenReturn(true);
        return commit(work).then();
    }

    /**
     * Changes the caller's own settings of the conversation ({@code muted_until}, {@code notify}); fields
     * left out stay as they are. No event to others: settings are private.
     */
    Mono<ConversationView> updateSettings(String userId, UUID conversationId, ConversationSettingsRequest request) {
        return Mono.defer(() -> {
            if (request.notifyGiven() && request.notifyLevel() != null && !NotifyLevel.VALUES.contains(request.notifyLevel())) {
                return Mono.error(ChatException.invalidField(ConversationErrors.INVALID_NOTIFY, "notify",
                        "notify must be one of all, mentions, none (or null for the default)"));
            }
            Instant mutedUntil = ChatJson.truncate(request.mutedUntil());
            return store.updateSettings(conversationId, userId, request.mutedUntilGiven(), mutedUntil,
                            request.notifyGiven(), request.notifyLevel())
                    .flatMap(updated -> updated ? get(userId, conversationId)
                            : Mono.error(ConversationErrors.notAParticipant()));
        });
    }

    // ---- helpers

    /** Runs the work in a transaction; the relay is signalled after the commit for the events it appended. */
    private Mono<Void> commit(Mono<Boolean> work) {
        return outbox.transactional(work).then();
    }

    private Mono<ConversationStore.Locked> lockAsParticipant(UUID conversationId, String userId) {
        return store.lockAsParticipant(conversationId, userId)
                .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant));
    }

    /** Locks a group the caller manages: 404 if not in it, 400 {@code not_a_group}, 403 {@code forbidden_role}. */
    private Mono<ConversationStore.Locked> lockAsManager(UUID conversationId, String userId, String action) {
        return lockAsParticipant(conversationId, userId)
                .flatMap(locked -> !GROUP.equals(locked.type()) ? Mono.error(ConversationErrors.notAGroup())
                        // read again under the lock: the role may have changed since the lock query's snapshot
                        : store.role(conversationId, userId)
                                .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant))
                                .flatMap(role -> isManager(role) ? Mono.just(locked)
                                        : Mono.error(ConversationErrors.forbiddenRole(
                                                "Only the owner and admins may " + action))));
    }

    private static boolean isManager(String role) {
        return OWNER.equals(role) || ADMIN.equals(role);
    }

    /**
     * Appends one {@code conversation.updated} event, inside the caller's transaction: the conversation
     * as it now is (without anyone's own fields), to every participant plus {@code alsoTo} (removed users).
     */
    private Mono<Void> appendUpdated(UUID conversationId, List<String> added, List<String> removed,
            Collection<String> alsoTo, Instant now) {
        return store.viewForEveryone(conversationId, properties.maxListedParticipants()).flatMap(view -> {
            int members = view.participantCount();
            // a large group's event is for the whole conversation and names only those it must reach besides
            // the subscribed sessions: the added (to subscribe them) and the removed (their last event); the
            // event in which it became large names every member, once, so their sessions get subscribed
            boolean large = !properties.listsRecipients(members);
            boolean becameLarge = large && members - added.size() <= properties.recipientListThreshold();
            Mono<Set<String>> audience = !large || becameLarge
                    ? store.participantIds(conversationId).collect(LinkedHashSet<String>::new, Set::add)
                    : Mono.just(new LinkedHashSet<>(added));
            return audience.flatMap(users -> {
                users.addAll(alsoTo);
                List<Recipient> recipients = users.stream().map(user -> new Recipient(user, false)).toList();
                ChatEvent event = updated(view, added, removed, recipients, now);
                return outbox.append(large ? event.toWholeConversation(recipients, removed) : event);
            });
        });
    }

    static ChatEvent updated(ConversationView conversation, List<String> added, List<String> removed,
            List<Recipient> recipients, Instant now) {
        return ChatEvent.of(EventTypes.CONVERSATION_UPDATED, conversation.id(), null, recipients, now,
                Map.of("conversation", conversation.forEveryone(), "added", added, "removed", removed));
    }

    private Set<String> userIdsToAdd(ChatUser caller, AddParticipantsRequest request) {
        if (request.userIds() == null || request.userIds().isEmpty()) {
            throw ChatException.invalidField(ConversationErrors.INVALID_PARTICIPANTS, "user_ids",
                    "user_ids must name at least one user");
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String id : request.userIds()) {
            if (!isUserId(id)) {
                throw invalidUserId("user_ids");
            }
            if (!id.equals(caller.id())) {
                wanted.add(id);
            }
        }
        if (wanted.size() > properties.maxParticipantsPerAdd()) {
            throw ChatException.invalidField(ConversationErrors.TOO_MANY_PARTICIPANTS, "user_ids",
                    "at most " + properties.maxParticipantsPerAdd() + " users per request");
        }
        return wanted;
    }

    /** A group title as stored: stripped, blank means none (null); 400 {@code invalid_title} if too long. */
    private String title(String requested) {
        String title = requested == null || requested.isBlank() ? null : requested.strip();
        if (title != null && title.codePointCount(0, title.length()) > properties.maxTitleLength()) {
            throw ChatException.invalidField(ConversationErrors.INVALID_TITLE, "title",
                    "title is longer than " + properties.maxTitleLength() + " characters");
        }
        return title;
    }

    private static int pageSize(Integer limit, int defaultSize, int maxSize) {
        if (limit == null) {
            return defaultSize;
        }
        if (limit < 1 || limit > maxSize) {
            throw ChatException.invalidField(ErrorCodes.INVALID_PARAMETER, "limit",
                    "must be between 1 and " + maxSize);
        }
        return limit;
    }

    private static boolean isUserId(String id) {
        return id != null && !id.isBlank() && id.length() <= ChatJwtDecoders.MAX_USER_ID_LENGTH;
    }

    private static ChatException invalidUserId(String field) {
        return ChatException.invalidField(ConversationErrors.INVALID_PARTICIPANTS, field,
                "every user id must be 1.." + ChatJwtDecoders.MAX_USER_ID_LENGTH + " characters");
    }

    /** Sorted and length-prefixed, so that no two pairs of opaque ids share a key. */
    static String directKey(String a, String b) {
        String first = a.compareTo(b) <= 0 ? a : b;
        String second = first.equals(a) ? b : a;
        return first.length() + ":" + first + second;
    }
}
