package dev.chat.notification.badge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.chat.notification.device.Device;
import dev.chat.notification.device.DeviceStore;
import dev.chat.notification.push.PushDispatcher;
import dev.chat.notification.push.PushLog;
import dev.chat.notification.push.PushNotification;
import dev.chat.notification.push.PushPayloads;
import dev.chat.notification.decision.EventView;
import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.EventTypes;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.event.Topics;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps each user's unread count (the badge) from {@code chat.events}, in its own consumer group
 * ({@code chat-notification-badges}), and keeps what devices show true:
 * <ul>
 * <li>{@code message.created}: unread for every recipient but the sender (who has a device);</li>
 * <li>{@code receipt.updated} (a read from any device, over WebSocket or REST): the user's unread drops; their iOS
 *     devices whose badge is now stale get a silent badge update, and if an alert of that conversation may be
 *     showing, their Android devices get a data message to clear it;</li>
 * <li>{@code message.deleted}: no longer unread; each device that was pushed the message gets a withdrawal
 *     (iOS: badge update naming the message; Android: data message to remove its notification).</li>
 * </ul>
 * Batches are applied in order and committed after; every write is idempotent, so a redelivered batch
 * changes nothing. Badge updates are sent after the write, without waiting (a crash in between loses one
 * update; the next alert or read sets the badge again).
 */
@Component
class BadgeListener {

    private static final Logger log = LoggerFactory.getLogger(BadgeListener.class);
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(60);

    private final UnreadStore unread;
    private final DeviceStore devices;
    private final PushDispatcher dispatcher;
    private final PushPayloads payloads;
    private final PushLog pushLog;

    BadgeListener(UnreadStore unread, DeviceStore devices, PushDispatcher dispatcher, PushPayloads payloads,
            PushLog pushLog) {
        this.unread = unread;
        this.devices = devices;
        this.dispatcher = dispatcher;
        this.payloads = payloads;
        this.pushLog = pushLog;
    }

    static final String LISTENER_ID = "chat-notification-badges";

    @KafkaListener(id = LISTENER_ID, groupId = "${chat.push.badges-group:chat-notification-badges}",
            topics = Topics.CHAT_EVENTS, batch = "true")
    void onEvents(List<ConsumerRecord<String, String>> records) {
        // runs of message.created become one statement; reads and deletes are applied between them, in order
        List<Mono<Void>> steps = new ArrayList<>();
        List<UnreadStore.Unread> run = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            EventView event = parse(record);
            if (event == null) {
                continue;
            }
            switch (event.type()) {
                case EventTypes.MESSAGE_CREATED -> run.addAll(unread(event));
                case EventTypes.RECEIPT_UPDATED, EventTypes.MESSAGE_DELETED -> {
                    if (!run.isEmpty()) {
                        steps.add(unread.createdAll(List.copyOf(run)));
                        run.clear();
                    }
                    steps.add(event.type().equals(EventTypes.RECEIPT_UPDATED) ? read(event) : deleted(event));
                }
                default -> {
                    // nothing to count
                }
            }
        }
        if (!run.isEmpty()) {
            steps.add(unread.createdAll(List.copyOf(run)));
        }
        Flux.fromIterable(steps).concatMap(step -> step).then().block(BATCH_TIMEOUT);
    }

    private static EventView parse(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            EventView event = EventView.parse(record.value());
            return event.version() > ChatEvent.CURRENT_VERSION ? null : event;
        } catch (RuntimeException e) {
            log.warn("Skipped an unreadable chat.events record (key {}): {}", record.key(), e.toString());
            return null;
        }
    }

    /** A new message is unread for every recipient but its sender. */
    private static List<UnreadStore.Unread> unread(EventView event) {
        EventView.MessageView message = event.message();
        if (message == null || message.deleted()) {
            return List.of();
        }
        long seq = event.messageSeq();
        return event.recipients().stream().map(Recipient::userId)
                .filter(u -> u != null && !u.equals(message.senderId())).distinct()
                .map(u -> new UnreadStore.Unread(u, event.conversationId(), seq)).toList();
    }

    private Mono<Void> read(EventView event) {
        EventView.Frame frame = event.frame();
        if (frame == null || frame.userId() == null || frame.readSeq() == null) {
            return Mono.empty();
        }
        String user = frame.userId();
        long readSeq = frame.readSeq();
        UUID conversation = event.conversationId();
        return unread.read(user, conversation, readSeq)
                .filter(UnreadStore.ReadChange::changed)
                .flatMap(change -> devices.ofUsers(List.of(user)).collectList().doOnNext(all -> {
                    List<PushNotification> updates = new ArrayList<>();
                    for (Device device : all) {
                        boolean staleBadge = device.ios() && device.lastBadge() != null && device.lastBadge() != change.total();
                        boolean showing = change.notified();
                        if ((device.ios() && (staleBadge || showing)) || (!device.ios() && showing)) {
                            updates.add(payloads.read(device, conversation, readSeq, change.total()));
                        }
                    }
                    dispatcher.sendUpdates(updates);
                }))
                .then();
    }

    private Mono<Void> deleted(EventView event) {
        EventView.MessageView message = event.message();
        if (message == null || message.id() == null) {
            return Mono.empty();
        }
        long seq = event.messageSeq();
        List<String> users = event.recipients().stream().map(Recipient::userId).filter(u -> u != null).distinct().toList();
        return unread.deleted(users, event.conversationId(), seq)
                .then(pushLog.deliveredTokens(message.id()).collectList())
                .flatMap(tokens -> tokens.isEmpty() ? Mono.empty()
                        : devices.ofUsers(users).filter(d -> tokens.contains(d.token())).collectList()
                                .flatMap(pushed -> unread.totals(pushed.stream().map(Device::userId).distinct().toList())
                                        .collectMap(UnreadStore.Total::userId, UnreadStore.Total::total)
                                        .doOnNext(totals -> dispatcher.sendUpdates(pushed.stream()
                                                .map(d -> payloads.withdraw(d, event.conversationId(), seq, message.id(),
                                                        totals.getOrDefault(d.userId(), 0)))
                                                .toList()))))
                .then();
    }

}
