package dev.chat.gateway.routing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.ProblemWriter;
import reactor.core.publisher.Mono;

/**
 * What goes wrong between the gateway and a service, as problem+json, before the shared handler
 * (which would log a stack trace per request and, for wrapped causes, answer 500):
 * <ul>
 * <li>the service refuses the connection, cannot be connected to in time, or its host does not
 * resolve: 503 {@code service_unavailable};</li>
 * <li>the service closes the connection before answering: 502 {@code bad_gateway};</li>
 * <li>the service does not answer within the response timeout (the gateway raises a 504
 * ResponseStatusException): 504 {@code gateway_timeout}.</li>
 * </ul>
 * These are operational events, not bugs: one WARN line each, no stack trace.
 */
@Component
class ProxyErrorHandler implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ProxyErrorHandler.class);

    private final ProblemWriter writer;

    ProxyErrorHandler(ProblemWriter writer) {
        this.writer = writer;
    }

    @Override
    public int getOrder() {
        return -3; // before the shared ProblemExceptionHandler (-2)
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        if (route == null || exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        if (UpstreamFailures.unreachable(ex)) {
            log.warn("{} {}: route {} is not reachable: {}", exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(), route.getId(), ex.toString());
            return writer.write(exchange, HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The service is not reachable right now; retry shortly");
        }
        if (UpstreamFailures.closedBeforeAnswering(ex)) {
            log.warn("{} {}: route {} closed the connection before answering", exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(), route.getId());
            return writer.write(exchange, HttpStatus.BAD_GATEWAY, ErrorCodes.BAD_GATEWAY,
                    "The service closed the connection before answering; retry shortly");
        }
        if (ex instanceof ResponseStatusException status && status.getStatusCode().value() == 504) {
            log.warn("{} {}: route {} did not answer in time", exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(), route.getId());
            return writer.write(exchange, HttpStatus.GATEWAY_TIMEOUT, ErrorCodes.GATEWAY_TIMEOUT,
                    "The service did not answer in time; retry shortly");
        }
        return Mono.error(ex);
    }
}
