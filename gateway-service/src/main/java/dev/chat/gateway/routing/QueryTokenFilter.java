package dev.chat.gateway.routing;

import java.net.URI;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.UriComponentsBuilder;

import dev.chat.shared.auth.ChatSecurity;
import reactor.core.publisher.Mono;

/**
 * Takes the token of a WebSocket upgrade out of its URL as the first thing the gateway does: {@code /ws?access_token=T}
 * (browsers cannot give an upgrade headers) continues as {@code /ws} with {@code Authorization: Bearer T}. Security
 * verifies the header as usual, the node behind gets the header (it accepts both), and nothing downstream of this
 * filter, the gateway's own DEBUG lines (route mapping, the proxy's WebSocket client, the session) included, ever
 * holds a URL with a token in it. An upgrade that also has an Authorization header is left as it is (two tokens:
 * refused by security, as before).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class QueryTokenFilter implements WebFilter {

    static final String PARAMETER = "access_token";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (!ChatSecurity.WEBSOCKET_PATH.equals(request.getPath().pathWithinApplication().value())
                || request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)) {
            return chain.filter(exchange);
        }
        java.util.List<String> tokens = request.getQueryParams().get(PARAMETER);
        if (tokens == null || tokens.size() != 1 || tokens.get(0).isBlank()) {
            return chain.filter(exchange); // none, or several: security answers as it does without this filter
        }
        String token = tokens.get(0);
        URI withoutToken = UriComponentsBuilder.fromUri(request.getURI()).replaceQueryParam(PARAMETER).build(true).toUri();
        ServerHttpRequest moved = request.mutate()
                .uri(withoutToken)
                .headers(headers -> headers.setBearerAuth(token))
                .build();
        return chain.filter(exchange.mutate().request(moved).build());
    }
}
