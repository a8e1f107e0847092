package dev.chat.shared.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import reactor.core.publisher.Mono;

/**
 * Remembers tokens it has verified, so that a client sending the same token on every request (every
 * client does) pays for parsing, signature and claim checks once, not per request: the JFR profile of
 * the send path showed JWT decoding among the largest single costs in the gateway and message-service.
 * A cached token is still refused once it expires; only successes are cached; the cache is bounded.
 */
final class CachingJwtDecoder implements ReactiveJwtDecoder {

    private final ReactiveJwtDecoder delegate;
    private final Duration clockSkew;
    private final Clock clock;
    private final Cache<String, Jwt> verified;

    CachingJwtDecoder(ReactiveJwtDecoder delegate, Duration clockSkew, int maxTokens, Duration maxAge, Clock clock) {
        this.delegate = delegate;
        this.clockSkew = clockSkew;
        this.clock = clock;
        this.verified = Caffeine.newBuilder().maximumSize(maxTokens).expireAfterWrite(maxAge).build();
    }

    @Override
    public Mono<Jwt> decode(String token) {
        Jwt known = verified.getIfPresent(token);
        if (known != null) {
            Instant expiresAt = known.getExpiresAt();
            if (expiresAt != null && clock.instant().isBefore(expiresAt.plus(clockSkew))) {
                return Mono.just(known);
            }
            verified.invalidate(token);
            return Mono.error(new BadJwtException("The token has expired"));
        }
        return delegate.decode(token).doOnNext(jwt -> verified.put(token, jwt));
    }
}
