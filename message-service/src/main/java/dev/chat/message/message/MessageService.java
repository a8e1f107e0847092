package dev.chat.message.message;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.stereotype.Service;

import dev.chat.message.conversation.ConversationErrors;
import dev.chat.message.conversation.ConversationProperties;
import dev.chat.message.outbox.Outbox;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.ChatMessage;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * Sending, reading, editing and deleting messages. A send is one transaction: take the next seq under the
 * conversation's row lock (which also proves membership), insert the message, append its event to
 * the outbox. Once that commits the message is durable and will be delivered, whatever Kafka does.
 */
@Service
class MessageService {

    private final MessageStore store;
    private final MessageValidator validator;
    private final Outbox outbox;
    private final ConversationProperties conversations;
    private final Counter sent;
    private final Counter pushAudienceCapped;
    private final Counter retried;
    private final Counter edits;
    private final Counter deletes;

    MessageService(MessageStore store, MessageValidator validator, Outbox outbox, ConversationProperties conversations,
            MeterRegistry meters) {
        this.conversations = conversations;
        this.store = store;
        this.validator = validator;
        this.outbox = outbox;
        this.sent = meters.counter("chat.messages.sent");
        this.pushAudienceCapped = meters.counter("chat.messages.push_audience.capped");
        this.retried = meters.counter("chat.messages.idempotent.repeats");
        this.edits = meters.counter("chat.messages.edited");
        this.deletes = meters.counter("chat.messages.deleted");
    }

    /**
     * A large group's message names at most this many users who want a push (those who chose notify = all,
     * and the mentioned): about 300 KB of event at most. Beyond it, counted in
     * {@code chat.messages.push_audience.capped}; the rest get no push for that message.
     */
    static final int MAX_PUSH_AUDIENCE = 2000;

    /** What a send holds under the conversation's lock: its seq and the event's recipients. */
    private record Locked(MessageStore.Next next, List<Recipient> recipients) {
    }

    /** The stored message, and whether this call created it (false: an idempotent repeat). */
    record SendResult(ChatMessage message, boolean created) {
    }

    Mono<SendResult> send(ChatUser sender, SendMessageRequest request, String idempotencyKey) {
        return Mono.defer(() -> {
            UUID clientMessageId = validator.clientMessageId(request, idempotencyKey);
            MessageValidator.Draft draft = validator.validate(request);
            // no look-up first: the insert finds a repeat (ON CONFLICT), which is rare, and only then is the
            // original read; a send costs one round trip fewer
            return insert(sender, request, clientMessageId, draft);
        });
    }

    private Mono<SendResult> insert(ChatUser sender, SendMessageRequest request, UUID clientMessageId,
            MessageValidator.Draft draft) {
        UUID conversationId = request.conversationId();
        Instant now = ChatJson.truncate(Instant.now());
        Set<String> mentioned = draft.mentions().stream().map(ChatMessage.Mention::userId).collect(Collectors.toSet());
        Mono<ChatMessage> work = store.nextSeq(conversationId, sender.id(), now)
                .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant))
                // read under the conversation lock, in a new statement: nextSeq's membership test used
                // its own snapshot, so a removal it waited behind shows only here (the sender is missing).
                // A large group's event names no recipients (ARCHITECTURE decision 4): only the sender is checked.
                .flatMap(next -> (conversations.listsRecipients(next.members())
                        ? store.recipients(conversationId, sender.id(), now, mentioned, conversations.largeGroupThreshold())
                        : store.isParticipant(conversationId, sender.id())
                                .map(member -> member ? List.of(new Recipient(sender.id(), false)) : List.<Recipient>of()))
                        .map(recipients -> new Locked(next, recipients)))
                .flatMap(locked -> locked.recipients().stream().anyMatch(r -> r.userId().equals(sender.id()))
                        ? checkReplyTo(conversationId, request.replyToId()).thenReturn(locked)
                        : Mono.error(ConversationErrors.notAParticipant()))
                .flatMap(locked -> {
                    MessageStore.Next next = locked.next();
                    ChatMessage message = new ChatMessage(UUID.randomUUID(), conversationId, next.seq(),
                            sender.id(), sender.name(), clientMessageId, draft.type(), draft.content(),
                            draft.attachments(), request.replyToId(), draft.mentions(), now, null, false);
                    ChatEvent event = created(message, locked.recipients(), now)
                            .withConversation(new ChatEvent.ConversationSummary(next.type(), next.title()));
                    Mono<ChatEvent> complete = Mono.just(event);
                    if (!conversations.listsRecipients(next.members())) {
                        // for the whole conversation; it names only who wants a push (notification-service)
                        ChatEvent whole = event;
                        complete = store.pushAudience(conversationId, sender.id(), now, mentioned, MAX_PUSH_AUDIENCE + 1)
                                .map(push -> {
                                    if (push.size() > MAX_PUSH_AUDIENCE) {
                                        pushAudienceCapped.increment();
                                    }
                                    return whole.toWholeConversation(
                                            push.size() > MAX_PUSH_AUDIENCE ? push.subList(0, MAX_PUSH_AUDIENCE) : push,
                                            List.of());
                                });
                    }
                    return complete.flatMap(appended ->
                            // the message and its event in one statement
                            outbox.appendWithInsert(MessageStore.INSERT,
                                            spec -> MessageStore.bindInsert(spec, message, next.changeSeq()), appended)
                                    .flatMap(inserted -> inserted ? Mono.just(message) : Mono.error(new DuplicateSend())));
                });
        return outbox.transactional(work)
                .map(message -> new SendResult(message, true))
                .doOnSuccess(result -> sent.increment())
                // a concurrent retry won the race: its transaction committed first, ours rolled back
                .onErrorResume(DuplicateSend.class, e -> original(sender, conversationId, clientMessageId));
    }

    private Mono<SendResult> original(ChatUser sender, UUID conversationId, UUID clientMessageId) {
        return store.findByClientMessageId(sender.id(), clientMessageId)
                .map(existing -> {
                    if (!existing.conversationId().equals(conversationId)) {
                        throw ChatException.conflict(MessageErrors.CLIENT_MESSAGE_ID_REUSED,
                                "This client_message_id was already used for a message in another conversation");
                    }
                    retried.increment();
                    return new SendResult(existing, false);
                });
    }

    private Mono<Void> checkReplyTo(UUID conversationId, UUID replyToId) {
        if (replyToId == null) {
            return Mono.empty();
        }
        return store.existsInConversation(conversationId, replyToId)
                .flatMap(exists -> exists ? Mono.<Void>empty()
                        : Mono.error(ChatException.invalidField(MessageErrors.INVALID_REPLY_TO, "reply_to_id",
                                "reply_to_id must be a message of the same conversation")));
    }

    static ChatEvent created(ChatMessage message, List<Recipient> recipients, Instant now) {
        return messageEvent(EventTypes.MESSAGE_CREATED, message, recipients, now);
    }

    /** {@code message.created|updated|deleted}: the frame is {@code {"type", "message"}}, seq the message's. */
    static ChatEvent messageEvent(String type, ChatMessage message, List<Recipient> recipients, Instant now) {
        return ChatEvent.of(type, message.conversationId(), message.seq(), recipients, now, Map.of("message", message));
    }

    /**
     * Edits a message's content (sender only). One transaction: lock the message, check who may
     * change it (404, 403, 409), then the content (400), update it, append {@code message.updated}
     * for every participant. An edit that changes nothing (a retried PATCH) returns the message as
     * it is, with no event.
     */
    Mono<ChatMessage> edit(String userId, UUID messageId, EditMessageRequest request) {
        Mono<Change> work = changeable(messageId, userId)
                .flatMap(message -> {
                    if (message.deleted()) {
                        return Mono.error(MessageErrors.messageDeleted());
                    }
                    MessageValidator.Edit edit = validator.validateEdit(request);
                    validator.checkNotEmpty(edit.content(), !message.attachments().isEmpty());
                    List<ChatMessage.Mention> mentions = MessageValidator.mentionsAfterEdit(message, edit);
                    if (message.content().equals(edit.content()) && message.mentions().equals(mentions)) {
                        return Mono.just(new Change(message, false)); // nothing to change
                    }
                    Instant now = ChatJson.truncate(Instant.now());
                    return store.updateContent(messageId, edit.content(), mentions, now)
                            .switchIfEmpty(Mono.error(MessageErrors::messageDeleted))
                            .flatMap(edited -> publish(EventTypes.MESSAGE_UPDATED, edited, now)
                                    .thenReturn(new Change(edited, true)));
                });
        return outbox.transactional(work)
                .doOnNext(change -> {
                    if (change.changed()) {
                        edits.increment();
                    }
                })
                .map(Change::message);
    }

    /**
     * Deletes a message (sender only): it becomes a tombstone that keeps its seq, and
     * {@code message.deleted} goes to every participant. Deleting a tombstone again does nothing.
     */
    Mono<Void> delete(String userId, UUID messageId) {
        Mono<Boolean> work = changeable(messageId, userId)
                .flatMap(message -> {
                    if (message.deleted()) {
                        return Mono.just(false);
                    }
                    Instant now = ChatJson.truncate(Instant.now());
                    return store.tombstone(messageId, now)
                            .flatMap(tombstone -> publish(EventTypes.MESSAGE_DELETED, tombstone, now).thenReturn(true))
                            .defaultIfEmpty(false);
                });
        return outbox.transactional(work)
                .doOnNext(deleted -> {
                    if (deleted) {
                        deletes.increment();
                    }
                })
                .then();
    }

    private record Change(ChatMessage message, boolean changed) {
    }

    /** The message, locked, if it exists, the user is in its conversation (else 404) and sent it (else 403). */
    private Mono<ChatMessage> changeable(UUID messageId, String userId) {
        return store.findForChange(messageId, userId)
                // re-checked in a new statement: the locking read may have waited behind a removal
                .filterWhen(message -> store.isParticipant(message.conversationId(), userId))
                .switchIfEmpty(Mono.error(MessageErrors::messageNotFound))
                .flatMap(message -> message.senderId().equals(userId) ? Mono.just(message)
                        : Mono.error(MessageErrors.notTheSender()));
    }

    private Mono<Void> publish(String type, ChatMessage message, Instant now) {
        return store.memberCount(message.conversationId()).flatMap(members -> conversations.listsRecipients(members)
                ? store.participantsWithoutPush(message.conversationId()).collectList()
                        .flatMap(recipients -> outbox.append(messageEvent(type, message, recipients, now)))
                : outbox.append(messageEvent(type, message, List.of(), now).toWholeConversation(List.of(), List.of())));
    }

    Mono<MessagePage> history(String userId, UUID conversationId, Long afterSeq, Long beforeSeq, Integer limit) {
        return Mono.defer(() -> {
            int pageSize = validator.pageLimit(afterSeq, beforeSeq, limit);
            return store.isParticipant(conversationId, userId)
                    .flatMap(member -> member ? store.page(conversationId, afterSeq, beforeSeq, pageSize).collectList()
                            : Mono.error(ConversationErrors.notAParticipant()))
                    .map(rows -> {
                        boolean hasMore = rows.size() > pageSize;
                        List<ChatMessage> page = new ArrayList<>(hasMore ? rows.subList(0, pageSize) : rows);
                        if (afterSeq == null) {
                            Collections.reverse(page); // fetched newest first
                        }
                        return new MessagePage(page, hasMore);
                    });
        });
    }

    /**
     * What a client missed in one conversation, as of one moment (every query is bounded by the
     * conversation's seq and change cursor read first, so later commits are left for the next call).
     * 404 for a non-participant.
     */
    Mono<SyncResponse> sync(String userId, UUID conversationId, Long afterSeq, Long afterChange, Integer limit) {
        return Mono.defer(() -> {
            long after = afterSeq == null ? 0 : afterSeq;
            int pageSize = validator.syncLimit(after, afterChange, limit);
            return store.snapshot(conversationId, userId)
                    .switchIfEmpty(Mono.error(ConversationErrors::notAParticipant))
                    .flatMap(at -> {
                        long upToSeq = Math.min(after, at.lastSeq());
                        Mono<List<ChatMessage>> newer = store.after(conversationId, after, at.lastSeq(), pageSize).collectList();
                        Mono<List<MessageStore.Changed>> changed = afterChange == null ? Mono.just(List.of())
                                : store.changedAfter(conversationId, upToSeq, afterChange, at.changeSeq(), pageSize).collectList();
                        Mono<List<SyncResponse.Watermark>> receipts = store.watermarks(conversationId,
                                conversations.isLargeGroup(at.members()) ? userId : null).collectList();
                        return Mono.zip(newer, changed, receipts).map(parts -> {
                            List<ChatMessage> messages = parts.getT1();
                            boolean moreMessages = messages.size() > pageSize;
                            if (moreMessages) {
                                messages = messages.subList(0, pageSize);
                            }
                            List<MessageStore.Changed> changes = parts.getT2();
                            boolean moreChanges = changes.size() > pageSize;
                            if (moreChanges) {
                                changes = changes.subList(0, pageSize);
                            }
                            long lastSeq = moreMessages ? messages.getLast().seq() : Math.max(upToSeq, at.lastSeq());
                            long cursor = moreChanges ? changes.getLast().changeSeq() : at.changeSeq();
                            return new SyncResponse(conversationId, messages,
                                    changes.stream().map(MessageStore.Changed::message).toList(), parts.getT3(),
                                    lastSeq, cursor, moreMessages || moreChanges);
                        });
                    });
        });
    }

    /** Thrown inside the send transaction to roll it back when the client_message_id already exists. */
    private static final class DuplicateSend extends RuntimeException {
        DuplicateSend() {
            super(null, null, false, false);
        }
    }
}
