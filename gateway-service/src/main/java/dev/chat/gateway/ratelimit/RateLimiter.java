package dev.chat.gateway.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

/**
 * The buckets, one per (rule, caller), in a bounded Caffeine cache. Bucket4j's local buckets are
 * lock-free: {@link #tryConsume} never blocks or waits, so it is safe on the event loop.
 * <p>
 * A bucket unused for {@code idle-expiry} is dropped, but never before it would have refilled
 * completely: a bucket recreated later starts full, which is then exactly what the old one would
 * have been. Beyond {@code max-buckets} the least recently used are dropped early (their callers
 * get a full bucket again); size it for the number of callers active within {@code idle-expiry}.
 */
final class RateLimiter {

    record Key(String rule, String caller) {
    }

    private final Cache<Key, Bucket> buckets;

    RateLimiter(RateLimitProperties properties, RateLimitRules rules) {
        Duration expiry = properties.idleExpiry().compareTo(rules.longestRefill()) >= 0
                ? properties.idleExpiry()
                : rules.longestRefill();
        this.buckets = Caffeine.newBuilder()
                .maximumSize(properties.maxBuckets())
                .expireAfterAccess(expiry)
                .build();
    }

    /** Takes one token from the caller's bucket of this rule; the probe tells whether it could and what is left. */
    ConsumptionProbe tryConsume(RateLimitRules.Rule rule, String caller) {
        Bucket bucket = buckets.get(new Key(rule.name(), caller),
                key -> Bucket.builder().addLimit(rule.bandwidth()).build());
        return bucket.tryConsumeAndReturnRemaining(1);
    }

    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
