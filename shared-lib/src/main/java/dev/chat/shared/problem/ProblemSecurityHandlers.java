package dev.chat.shared.problem;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/** 401 and 403 from Spring Security as problem+json, with the RFC 6750 challenge header. */
public class ProblemSecurityHandlers implements ServerAuthenticationEntryPoint, ServerAccessDeniedHandler {

    private final ProblemWriter writer;

    public ProblemSecurityHandlers(ProblemWriter writer) {
        this.writer = writer;
    }

    @Override
    public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException ex) {
        boolean tokenGiven = exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)
                || exchange.getRequest().getQueryParams().containsKey("access_token");
        exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE,
                tokenGiven ? "Bearer error=\"invalid_token\"" : "Bearer");
        String detail = tokenGiven ? "The access token is invalid, expired or not accepted here"
                : "An access token is required: Authorization: Bearer <jwt>";
        return writer.write(exchange, HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHORIZED, detail);
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
        return writer.write(exchange, HttpStatus.FORBIDDEN, ErrorCodes.FORBIDDEN, "You may not do this");
    }
}
