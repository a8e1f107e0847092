package dev.chat.websocket.delivery;

import java.util.LinkedHashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.shared.event.ChatEvent;
import dev.chat.shared.event.Recipient;
import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.session.OutboundFrame;
import dev.chat.websocket.session.SessionRegistry;

/**
 * Writes one event to the local sessions of its recipients (a large group's, to the sessions subscribed to
 * its conversation: {@link LargeGroupSubscriptions}): checked, de-duplicated, its frame
 * serialized once and the same bytes queued to every session. Never blocks (the sessions' queues
 * are bounded and non-blocking), so the Kafka consumer thread keeps its pace.
 */
@Component
class EventDelivery {

    private static final Logger log = LoggerFactory.getLogger(EventDelivery.class);

    private final SessionRegistry sessions;
    private final LargeGroupSubscriptions largeGroups;
    private final EventDeduplicator deduplicator;
    private final JsonMapper json = ChatJson.mapper();
    private final Counter delivered;
    private final Counter duplicates;
    private final Counter invalid;
    private final Counter frames;

    EventDelivery(SessionRegistry sessions, LargeGroupSubscriptions largeGroups, WebSocketProperties properties,
            MeterRegistry meters) {
        this.sessions = sessions;
        this.largeGroups = largeGroups;
        this.deduplicator = new EventDeduplicator(properties.dedup().conversations(), properties.dedup().eventIds());
        this.delivered = events(meters, "delivered");
        this.duplicates = events(meters, "duplicate");
        this.invalid = events(meters, "invalid");
        this.frames = Counter.builder("chat.ws.frames.queued")
                .description("Event frames queued to sessions")
                .register(meters);
    }

    private static Counter events(MeterRegistry meters, String outcome) {
        return Counter.builder("chat.ws.events").description("chat.events records by outcome")
                .tag("outcome", outcome).register(meters);
    }

    /** A record that could not be read as a ChatEvent. */
    void unreadable() {
        invalid.increment();
    }

    void deliver(ChatEvent event) {
        String problem = problem(event);
        if (problem != null) {
            invalid.increment();
            log.warn("Skipping event {} of type {}: {}", event.eventId(), event.type(), problem);
            return;
        }
        if (!deduplicator.firstTime(event)) {
            duplicates.increment();
            log.debug("Dropping duplicate event {} ({} seq {})", event.eventId(), event.conversationId(), event.seq());
            return;
        }
        delivered.increment();
        if (event.toConversation()) {
            // a large group's event names no members: the sessions subscribed to the conversation get it
            frames.increment(largeGroups.deliver(event, () -> frameOf(event)));
            return;
        }
        // every node reads every event: most recipients are connected elsewhere
        Set<String> users = new LinkedHashSet<>();
        for (Recipient recipient : event.recipients()) {
            if (recipient != null && recipient.userId() != null && sessions.hasSessions(recipient.userId())) {
                users.add(recipient.userId());
            }
        }
        if (users.isEmpty()) {
            return;
        }
        OutboundFrame.Text frame = frameOf(event);
        int queued = 0;
        for (String user : users) {
            queued += sessions.deliver(user, frame);
        }
        frames.increment(queued);
    }

    /** The event's frame, serialized once for every session it goes to. */
    private OutboundFrame.Text frameOf(ChatEvent event) {
        return OutboundFrame.event(event.frame().path("type").asString(), json.writeValueAsBytes(event.frame()),
                event.occurredAt());
    }

    private static String problem(ChatEvent event) {
        if (event.eventId() == null) {
            return "no event_id";
        }
        if (event.type() == null || event.type().isBlank()) {
            return "no type";
        }
        if (event.frame() == null || !event.frame().hasNonNull("type")) {
            return "no frame with a type";
        }
        return null;
    }
}
