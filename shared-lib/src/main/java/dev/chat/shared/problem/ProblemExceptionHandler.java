package dev.chat.shared.problem;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.Ordered;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerErrorException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebExceptionHandler;

import dev.chat.shared.json.TextRules;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;

/**
 * Turns every error that reaches the web layer into problem+json with a stable {@code code}:
 * bad JSON, wrong types and bad UUIDs are 400s, never 500s, and nothing internal leaks out.
 * Runs before Boot's own error handler.
 */
public class ProblemExceptionHandler implements WebExceptionHandler, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ProblemExceptionHandler.class);
    private static final Pattern CAMEL = Pattern.compile("([a-z0-9])([A-Z])");

    private final ProblemWriter writer;

    public ProblemExceptionHandler(ProblemWriter writer) {
        this.writer = writer;
    }

    @Override
    public int getOrder() {
        return -2;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        Problem problem = toProblem(exchange, ex);
        if (problem.status() == 503 && !exchange.getResponse().getHeaders().containsHeader(HttpHeaders.RETRY_AFTER)) {
            // jittered, so that the clients of an outage do not all come back in the same second
            RetryAfter.DEFAULT.set(exchange.getResponse().getHeaders());
        }
        if (problem.status() == 502 || problem.status() == 503 || problem.status() == 504) {
            // a dependency is down or slow: one line, no stack trace per request
            log.warn("{} {} failed: {} ({})", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                    problem.code(), ex.toString());
        } else if (problem.status() >= 500) {
            log.error("{} {} failed: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                    problem.code(), ex);
        }
        return writer.write(exchange, problem);
    }

    Problem toProblem(ServerWebExchange exchange, Throwable ex) {
        if (UpstreamFailures.unreachable(ex)) {
            return simple(exchange, HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The service is not reachable right now; retry shortly");
        }
        if (UpstreamFailures.databaseUnavailable(ex)) {
            return simple(exchange, HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.SERVICE_UNAVAILABLE,
                    "The service cannot reach its database right now; retry shortly (a send with the same client_message_id)");
        }
        if (UpstreamFailures.closedBeforeAnswering(ex)) {
            return simple(exchange, HttpStatus.BAD_GATEWAY, ErrorCodes.BAD_GATEWAY,
                    "The service closed the connection before answering; retry shortly");
        }
        TextRules.InvalidTextException badText = causeOf(ex, TextRules.InvalidTextException.class);
        if (badText != null) {
            return writer.problem(exchange, HttpStatus.BAD_REQUEST, ErrorCodes.INVALID_TEXT, badText.getMessage(),
                    fieldOf(ex));
        }
        if (causeOf(ex, InvalidMediaTypeException.class) != null || causeOf(ex, UnsupportedCharsetException.class) != null
                || causeOf(ex, IllegalCharsetNameException.class) != null) {
            return simple(exchange, HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
                    "The Content-Type header is not a valid media type with a known charset: send application/json");
        }
        return switch (ex) {
            case ChatException e -> writer.problem(exchange, e.status(), e.code(), e.getMessage(), e.errors());
            case WebExchangeBindException e -> writer.problem(exchange, HttpStatus.BAD_REQUEST,
                    ErrorCodes.VALIDATION_FAILED, "The request has invalid fields",
                    e.getFieldErrors().stream()
                            .map(f -> new Problem.FieldError(snakeCase(f.getField()), f.getDefaultMessage()))
                            .toList());
            case ServerWebInputException e -> inputProblem(exchange, e);
            // a path variable that resolved to nothing (a blank id segment): the client's input, not our bug
            case ServerErrorException e when e.getMethodParameter() != null
                    && e.getMethodParameter().hasParameterAnnotation(PathVariable.class) -> simple(exchange,
                    HttpStatus.BAD_REQUEST, ErrorCodes.MALFORMED_REQUEST, "Invalid value for '"
                            + snakeCase(String.valueOf(e.getMethodParameter().getParameterName())) + "'");
            case DataBufferLimitException e -> simple(exchange, HttpStatus.CONTENT_TOO_LARGE,
                    ErrorCodes.PAYLOAD_TOO_LARGE, "The request body is too large");
            case ResponseStatusException e -> statusProblem(exchange, e);
            case AuthenticationException e -> simple(exchange, HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHORIZED,
                    "A valid access token is required");
            case AccessDeniedException e -> simple(exchange, HttpStatus.FORBIDDEN, ErrorCodes.FORBIDDEN,
                    "You may not do this");
            case TimeoutException e -> simple(exchange, HttpStatus.GATEWAY_TIMEOUT, ErrorCodes.GATEWAY_TIMEOUT,
                    "The service did not answer in time; retry shortly");
            default -> simple(exchange, HttpStatus.INTERNAL_SERVER_ERROR, ErrorCodes.INTERNAL_ERROR,
                    "Something went wrong on our side");
        };
    }

    private static <T extends Throwable> T causeOf(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The JSON field a decoding failure happened at, as {@code errors}, if known. */
    private static List<Problem.FieldError> fieldOf(Throwable ex) {
        JacksonException jackson = causeOf(ex, JacksonException.class);
        if (jackson == null || jackson.getPath().isEmpty()) {
            return List.of();
        }
        return List.of(new Problem.FieldError(fieldPath(jackson), "must be valid text: no NUL characters, no unpaired surrogates"));
    }

    private Problem inputProblem(ServerWebExchange exchange, ServerWebInputException e) {
        String detail = "The request is malformed";
        Throwable cause = e.getCause();
        if (cause instanceof TypeMismatchException mismatch) {
            String name = e.getMethodParameter() != null ? e.getMethodParameter().getParameterName()
                    : mismatch.getPropertyName();
            detail = "Invalid value for '" + snakeCase(String.valueOf(name)) + "'";
        } else if (cause instanceof DecodingException decoding) {
            detail = "The request body is not valid JSON for this endpoint";
            if (decoding.getCause() instanceof JacksonException jackson && !jackson.getPath().isEmpty()) {
                detail = "Invalid JSON value for '" + fieldPath(jackson) + "'";
            }
        } else if (e.getReason() != null && e.getReason().startsWith("No request body")) {
            detail = "A JSON request body is required";
        } else if (e.getReason() != null && e.getMethodParameter() != null) {
            detail = e.getReason();
        }
        return writer.problem(exchange, HttpStatus.BAD_REQUEST, ErrorCodes.MALFORMED_REQUEST, detail, List.of());
    }

    private static String fieldPath(JacksonException jackson) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : jackson.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private Problem statusProblem(ServerWebExchange exchange, ResponseStatusException e) {
        HttpStatusCode status = e.getStatusCode();
        String code = switch (status.value()) {
            case 404 -> ErrorCodes.NOT_FOUND;
            case 405 -> ErrorCodes.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCodes.NOT_ACCEPTABLE;
            case 413 -> ErrorCodes.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCodes.UNSUPPORTED_MEDIA_TYPE;
            case 502 -> ErrorCodes.BAD_GATEWAY;
            case 503 -> ErrorCodes.SERVICE_UNAVAILABLE;
            case 504 -> ErrorCodes.GATEWAY_TIMEOUT;
            default -> status.is5xxServerError() ? ErrorCodes.INTERNAL_ERROR
                    : HttpStatus.resolve(status.value()) != null
                            ? HttpStatus.resolve(status.value()).name().toLowerCase(Locale.ROOT) : "error";
        };
        String detail = switch (status.value()) {
            case 404 -> "No such resource";
            case 405 -> "This method is not allowed here";
            case 415 -> "Send application/json";
            case 503 -> "The service is not available right now; retry shortly";
            case 504 -> "The service did not answer in time; retry shortly";
            default -> status.is5xxServerError() ? "Something went wrong on our side"
                    : e.getReason() != null ? e.getReason() : "The request was not accepted";
        };
        return writer.problem(exchange, status, code, detail, List.of());
    }

    private Problem simple(ServerWebExchange exchange, HttpStatus status, String code, String detail) {
        return writer.problem(exchange, status, code, detail, List.of());
    }

    /** Field names are reported as clients send them: {@code conversationId} becomes {@code conversation_id}. */
    static String snakeCase(String name) {
        return CAMEL.matcher(name).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    }
}
