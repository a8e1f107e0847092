package dev.chat.websocket.revocation;

import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import dev.chat.shared.event.TokenRevocation;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.session.SessionRegistry;

/**
 * The revocations of {@code chat.revocations} this node knows: per user, the instant before which
 * their tokens were issued is no longer accepted (tokens without {@code iat} neither). Every node reads
 * the whole (compacted) topic at start-up, then follows it.
 *
 * <p>Bounded: at most {@code chat.ws.revocation.max-users} users, and each entry is forgotten at
 * {@code issued_before + chat.ws.revocation.max-token-lifetime}, when every token it revokes has expired
 * anyway, provided no token lives longer than that (set it to the identity provider's longest lifetime).
 */
@Component
public class RevocationStore {

    private static final Logger log = LoggerFactory.getLogger(RevocationStore.class);

    private final Cache<String, Instant> issuedBefore;
    private final Duration maxTokenLifetime;
    private final SessionRegistry sessions;

    RevocationStore(WebSocketProperties properties, SessionRegistry sessions, MeterRegistry meters) {
        this.maxTokenLifetime = properties.revocation().maxTokenLifetime();
        this.sessions = sessions;
        this.issuedBefore = Caffeine.newBuilder()
                .maximumSize(properties.revocation().maxUsers())
                .expireAfter(Expiry.<String, Instant>writing((user, before) -> remaining(before)))
                .build();
        Gauge.builder("chat.ws.revocations", issuedBefore, Cache::estimatedSize)
                .description("Users with a token revocation remembered by this node")
                .register(meters);
    }

    private Duration remaining(Instant before) {
        Duration left = Duration.between(Instant.now(), before.plus(maxTokenLifetime));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * A record of {@code chat.revocations}: remembers it and closes with 4401 the user's local sessions
     * whose token it revokes. A null revocation (a tombstone) forgets the user's revocation.
     */
    public void apply(String key, TokenRevocation revocation) {
        if (revocation == null) {
            if (key != null) {
                issuedBefore.invalidate(key);
            }
            return;
        }
        String user = revocation.userId() != null ? revocation.userId() : key;
        if (user == null || revocation.issuedBefore() == null) {
            log.warn("Skipping a revocation without user or issued_before");
            return;
        }
        if (remaining(revocation.issuedBefore()).isPositive()) {
            issuedBefore.put(user, revocation.issuedBefore());
        }
        int closed = sessions.closeRevoked(user, revocation.issuedBefore());
        if (closed > 0) {
            log.info("Closing {} session(s) of user {}: tokens issued before {} revoked", closed, user,
                    revocation.issuedBefore());
        }
    }

    /** Whether a token of {@code userId} issued at {@code issuedAt} (null: no {@code iat}) is revoked. */
    public boolean isRevoked(String userId, Instant issuedAt) {
        Instant before = issuedBefore.getIfPresent(userId);
        return before != null && (issuedAt == null || issuedAt.isBefore(before));
    }
}
