package dev.chat.shared.event;

import java.time.Instant;
import java.util.UUID;

/**
 * A user went online (their first session on any node) or offline (their last one ended, or its node
 * died), on {@link Topics#CHAT_PRESENCE_UPDATES} (key: user id). Websocket nodes deliver it as a
 * {@code presence.updated} frame to the local sessions that subscribed to this user, never to groups.
 *
 * @param eventId    unique per update (nodes de-duplicate on it)
 * @param version    schema version
 * @param userId     whose presence changed
 * @param online     whether they have a session now
 * @param lastSeenAt when they were last seen: the moment of this change
 */
public record PresenceUpdate(UUID eventId, int version, String userId, boolean online, Instant lastSeenAt) {

    public static final int CURRENT_VERSION = 1;

    public static PresenceUpdate of(String userId, boolean online, Instant lastSeenAt) {
        return new PresenceUpdate(UUID.randomUUID(), CURRENT_VERSION, userId, online, lastSeenAt);
    }
}
