package dev.chat.websocket.session;

import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import dev.chat.shared.auth.ChatSecurity;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.websocket.config.WebSocketProperties;

/**
 * The node's per-user limit on WebSocket upgrades ({@code chat.ws.connect-rate}): the gateway's
 * {@code websocket-connect} rule, enforced here too because production routes {@code /ws} from the ingress
 * straight to the nodes (docs/deployment.md "Public route"). A filter of the security chain, after
 * authorization: a request without a valid token has been answered 401 before it gets here and drains
 * nothing; the user is the verified {@code sub}. It runs before the handshake and the connection limit, so a
 * refused upgrade takes no connection slot.
 * <p>
 * Over the limit: 429 problem+json {@code rate_limited} with {@code Retry-After} (whole seconds until the
 * next token, at least 1) and {@code X-RateLimit-Remaining: 0}, exactly as the gateway answers; allowed
 * upgrades carry {@code X-RateLimit-Remaining}. Meter: {@code chat.ws.connections.rate-limited}.
 * <p>
 * Buckets are Bucket4j local buckets (lock-free compare-and-swap: {@link #tryConsume} never blocks, so it
 * runs on the event loop) in a bounded Caffeine cache: a bucket unused for {@code idle-expiry} is dropped,
 * never before it would have refilled completely (a recreated bucket starts full, which is what the old one
 * would have been). They are this node's: a user spread over N nodes gets up to N times the limit.
 * <p>
 * Deliberately not a {@link WebFilter} bean: a bean would also be registered as an ordinary web filter.
 */
public final class ConnectRateLimit {

    private static final Logger log = LoggerFactory.getLogger(ConnectRateLimit.class);

    /** The gateway's name of the same rule: refusals read alike wherever they come from. */
    static final String RULE = "websocket-connect";
    public static final String REMAINING_HEADER = "X-RateLimit-Remaining";

    private final WebSocketProperties.ConnectRate settings;
    private final Bandwidth bandwidth;
    private final Cache<String, Bucket> buckets;
    private final ProblemWriter writer;
    private final Counter refused;

    ConnectRateLimit(WebSocketProperties.ConnectRate settings, ProblemWriter writer, MeterRegistry meters) {
        this.settings = settings;
        this.bandwidth = bandwidth(settings.capacity(), settings.refillPerSecond());
        Duration refill = settings.timeToRefillCompletely();
        this.buckets = Caffeine.newBuilder()
                .maximumSize(settings.maxBuckets())
                .expireAfterAccess(settings.idleExpiry().compareTo(refill) >= 0 ? settings.idleExpiry() : refill)
                // dropped when they expire, not at the next upgrades: after a reconnect storm the node goes quiet
                // and its sessions idle, and the storm's buckets (about 0.35 KB per user) should not stay with them
                .scheduler(Scheduler.systemScheduler())
                .build();
        this.writer = writer;
        this.refused = Counter.builder("chat.ws.connections.rate-limited")
                .description("WebSocket upgrades answered 429 rate_limited (the user's connect rate on this node)")
                .register(meters);
        if (settings.enabled()) {
            log.info("WebSocket connect rate per user on this node: {} at once, {} per second (chat.ws.connect-rate)",
                    settings.capacity(), format(settings.refillPerSecond()));
        } else {
            log.warn("WebSocket connect rate limit is OFF (chat.ws.connect-rate.enabled=false)");
        }
    }

    /** The filter to add to the security chain, after authorization. */
    public WebFilter webFilter() {
        return this::filter;
    }

    private Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (!settings.enabled() || request.getMethod() != HttpMethod.GET
                || !ChatSecurity.WEBSOCKET_PATH.equals(request.getPath().pathWithinApplication().value())) {
            return chain.filter(exchange);
        }
        return ChatUser.current().map(user -> Optional.of(user.id())).defaultIfEmpty(Optional.empty())
                .flatMap(user -> user.isEmpty() ? chain.filter(exchange) : admit(user.get(), exchange, chain));
    }

    private Mono<Void> admit(String user, ServerWebExchange exchange, WebFilterChain chain) {
        ConsumptionProbe probe = tryConsume(user);
        HttpHeaders headers = exchange.getResponse().getHeaders();
        if (probe.isConsumed()) {
            headers.set(REMAINING_HEADER, Long.toString(probe.getRemainingTokens()));
            return chain.filter(exchange);
        }
        refused.increment();
        long retryAfter = retryAfterSeconds(probe.getNanosToWaitForRefill());
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        headers.set(REMAINING_HEADER, "0");
        return writer.write(exchange, HttpStatus.TOO_MANY_REQUESTS, ErrorCodes.RATE_LIMITED,
                "Too many requests: limit '" + RULE + "' allows " + settings.capacity() + " at once and "
                        + format(settings.refillPerSecond()) + " per second; retry in " + retryAfter + " s");
    }

    /** Takes one token from the user's bucket; the probe tells whether it could and what is left. */
    ConsumptionProbe tryConsume(String user) {
        return buckets.get(user, key -> Bucket.builder().addLimit(bandwidth).build()).tryConsumeAndReturnRemaining(1);
    }

    /** The users whose buckets are kept now (an estimate, as Caffeine counts). */
    long buckets() {
        return buckets.estimatedSize();
    }

    /** Whole seconds to wait, rounded up, at least 1 (Retry-After has no fractions, and 0 would invite a hot loop). */
    static long retryAfterSeconds(long nanosToWait) {
        return Math.max(1, Math.ceilDiv(nanosToWait, 1_000_000_000L));
    }

    /** {@code capacity} tokens, refilled greedily (token by token, not all at once) at {@code perSecond}. */
    static Bandwidth bandwidth(long capacity, double perSecond) {
        if (perSecond == Math.rint(perSecond)) {
            return Bandwidth.builder().capacity(capacity).refillGreedy((long) perSecond, Duration.ofSeconds(1)).build();
        }
        long nanosPerToken = Math.max(1, Math.round(1_000_000_000d / perSecond));
        return Bandwidth.builder().capacity(capacity).refillGreedy(1, Duration.ofNanos(nanosPerToken)).build();
    }

    private static String format(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }
}
