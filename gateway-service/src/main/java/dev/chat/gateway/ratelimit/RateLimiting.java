package dev.chat.gateway.ratelimit;

import java.net.InetSocketAddress;
import java.util.Optional;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.ProblemWriter;
import io.github.bucket4j.ConsumptionProbe;
import reactor.core.publisher.Mono;

/**
 * Rate limits per caller and rule, as a filter for the security chain, placed after authorization
 * (see the gateway's {@code SecurityConfiguration}): a request without a valid token has been
 * answered 401 before it gets here, so it neither reaches nor drains any bucket, and the caller is
 * the verified JWT {@code sub}, never a header. Requests allowed without a token (dev token
 * endpoint) are counted per client IP.
 * <p>
 * Over the limit: 429 problem+json {@code rate_limited} with {@code Retry-After} (whole seconds,
 * at least 1), and the request goes no further. Allowed requests carry {@code X-RateLimit-Remaining}.
 * <p>
 * Deliberately not a {@link WebFilter} bean: a bean would also be registered as an ordinary web
 * filter and count every request twice.
 */
public final class RateLimiting {

    public static final String REMAINING_HEADER = "X-RateLimit-Remaining";

    private final RateLimitRules rules;
    private final RateLimiter limiter;
    private final ProblemWriter writer;

    RateLimiting(RateLimitRules rules, RateLimiter limiter, ProblemWriter writer) {
        this.rules = rules;
        this.limiter = limiter;
        this.writer = writer;
    }

    /** The filter to add to the security chain, after authorization. */
    public WebFilter webFilter() {
        return this::filter;
    }

    private Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        Optional<RateLimitRules.Rule> match = rules.match(request.getMethod(), request.getPath().pathWithinApplication());
        if (match.isEmpty()) {
            return chain.filter(exchange);
        }
        RateLimitRules.Rule rule = match.get();
        return caller(exchange).flatMap(caller -> {
            ConsumptionProbe probe = limiter.tryConsume(rule, caller);
            HttpHeaders headers = exchange.getResponse().getHeaders();
            if (probe.isConsumed()) {
                headers.set(REMAINING_HEADER, Long.toString(probe.getRemainingTokens()));
                return chain.filter(exchange);
            }
            long retryAfter = retryAfterSeconds(probe.getNanosToWaitForRefill());
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
            headers.set(REMAINING_HEADER, "0");
            return writer.write(exchange, HttpStatus.TOO_MANY_REQUESTS, ErrorCodes.RATE_LIMITED,
                    "Too many requests: limit '" + rule.name() + "' allows " + rule.capacity() + " at once and "
                            + format(rule.refillPerSecond()) + " per second; retry in " + retryAfter + " s");
        });
    }

    /** Whole seconds to wait, rounded up, at least 1 (Retry-After has no fractions, and 0 would invite a hot loop). */
    static long retryAfterSeconds(long nanosToWait) {
        return Math.max(1, Math.ceilDiv(nanosToWait, 1_000_000_000L));
    }

    /** {@code user:<sub>} for an authenticated request, otherwise {@code ip:<client address>}. */
    static Mono<String> caller(ServerWebExchange exchange) {
        return ChatUser.current()
                .map(user -> "user:" + user.id())
                .switchIfEmpty(Mono.fromSupplier(() -> "ip:" + clientIp(exchange.getRequest())));
    }

    private static String clientIp(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null) {
            return "unknown";
        }
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }

    private static String format(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }
}
