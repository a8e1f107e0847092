package dev.chat.shared.problem;

import java.util.List;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Writes a {@link Problem} as {@code application/problem+json}, outside of any handler's codecs. */
public class ProblemWriter {

    private final JsonMapper mapper;

    public ProblemWriter(JsonMapper mapper) {
        this.mapper = mapper;
    }

    public Problem problem(ServerWebExchange exchange, HttpStatusCode status, String code, String detail,
            List<Problem.FieldError> errors) {
        HttpStatus known = HttpStatus.resolve(status.value());
        String title = known != null ? known.getReasonPhrase() : "Error";
        return Problem.of(status.value(), title, code, detail, exchange.getRequest().getPath().value(), errors);
    }

    public Mono<Void> write(ServerWebExchange exchange, HttpStatusCode status, String code, String detail) {
        return write(exchange, problem(exchange, status, code, detail, List.of()));
    }

    public Mono<Void> write(ServerWebExchange exchange, Problem problem) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        response.setStatusCode(HttpStatusCode.valueOf(problem.status()));
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] body = mapper.writeValueAsBytes(problem);
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }
}
