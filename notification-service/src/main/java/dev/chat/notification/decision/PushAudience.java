package dev.chat.notification.decision;

import java.util.List;


/**
 * Who gets a push for a new message if none of their devices acks it in time.
 *
 * <p>Today every {@code message.created} names its recipients with a {@code push} flag that message-service
 * computed (not the sender, not muted, the conversation's notify level allows it): {@link EventRecipients}.
 * Events of large groups will name none (ARCHITECTURE decision 4); their audience will come from an
 * implementation that asks message-service for the members who want a push for this seq (or keeps its own
 * view of membership and settings from {@code conversation.updated} events). docs/notification-service.md,
 * "Large groups", says how it plugs in.
 */
public interface PushAudience {

    /** The users to push unless they ack in time; never the sender. */
    List<String> of(EventView event);

    /** The event's own recipient list: those with {@code push} true, without the sender. */
    final class EventRecipients implements PushAudience {

        @Override
        public List<String> of(EventView event) {
            String sender = event.message() == null ? null : event.message().senderId();
            return event.recipients().stream()
                    .filter(r -> r.push() && r.userId() != null && !r.userId().equals(sender))
                    .map(r -> r.userId())
                    .distinct()
                    .toList();
        }
    }
}
