package dev.chat.shared.limit;

import java.util.List;
import java.util.function.Consumer;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.PathContainer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import reactor.core.publisher.Mono;

import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.shared.problem.RetryAfter;

/**
 * Load shedding for HTTP: every request but the exempt ones runs under a {@link RequestAdmission}. Past its
 * limits the request is answered 503 problem+json {@code overloaded} with a jittered {@code Retry-After}, by
 * this filter, before anything else ran for it: no authentication, no body read, no handler, no upstream call.
 * Nothing it asked for happened, so it is safe to repeat (a send with the same {@code client_message_id}).
 * <p>
 * The first of the web filters ({@link #ORDER}, before Spring Security's), so that a shed request costs as
 * little as possible. A request holds its permit until its response is written, or it fails, or the client
 * goes away. Refusals are not logged one by one (under overload that would be a flood); count them with
 * {@code onShed}.
 */
public final class AdmissionWebFilter implements WebFilter, Ordered {

    /** Before Spring Security's filter chain (-100) and every other filter of ours. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    private final RequestAdmission admission;
    private final List<PathPattern> exempt;
    private final RetryAfter retryAfter;
    private final ProblemWriter writer;
    private final String server;
    private final Consumer<RequestAdmission.Outcome> onShed;

    /**
     * @param exemptPaths Spring path patterns never shed (health probes, calls already paced by their callers)
     * @param server      what is full, for the problem's {@code detail} ("This message-service instance")
     * @param onShed      told of every refusal and why (a counter)
     */
    public AdmissionWebFilter(RequestAdmission admission, List<String> exemptPaths, RetryAfter retryAfter,
            ProblemWriter writer, String server, Consumer<RequestAdmission.Outcome> onShed) {
        this.admission = admission;
        this.exempt = exemptPaths.stream().map(PathPatternParser.defaultInstance::parse).toList();
        this.retryAfter = retryAfter;
        this.writer = writer;
        this.server = server;
        this.onShed = onShed;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    public RequestAdmission admission() {
        return admission;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (isExempt(exchange.getRequest().getPath().pathWithinApplication())) {
            return chain.filter(exchange);
        }
        return admission.run(() -> chain.filter(exchange), outcome -> {
            onShed.accept(outcome);
            return refuse(exchange);
        });
    }

    boolean isExempt(PathContainer path) {
        for (PathPattern pattern : exempt) {
            if (pattern.matches(path)) {
                return true;
            }
        }
        return false;
    }

    private Mono<Void> refuse(ServerWebExchange exchange) {
        long seconds = retryAfter.set(exchange.getResponse().getHeaders());
        return writer.write(exchange, HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.OVERLOADED,
                server + " is at its limit of " + admission.maxInFlight() + " requests in flight; nothing was done,"
                        + " retry in " + seconds + " s (a send with the same client_message_id is safe to repeat)");
    }
}
