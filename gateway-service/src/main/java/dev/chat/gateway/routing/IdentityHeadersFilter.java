package dev.chat.gateway.routing;

import java.util.List;
import java.util.Locale;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Removes identity headers a client may send ({@code X-User-Id}, {@code X-User-*},
 * {@code X-Forwarded-User}, ...) from every proxied request, REST and WebSocket upgrade alike
 * (both of the gateway's routing filters apply every {@link HttpHeadersFilter} bean). Only the
 * verified JWT, which is forwarded as it came, says who the caller is; no service behind the
 * gateway will ever see a header that claims otherwise.
 */
@Component
class IdentityHeadersFilter implements HttpHeadersFilter {

    /** Lower-case name prefixes that claim an identity. */
    static final List<String> IDENTITY_PREFIXES = List.of(
            "x-user", "x-forwarded-user", "x-authenticated-", "x-auth-user", "x-remote-user", "remote-user");

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        if (input.headerNames().stream().noneMatch(IdentityHeadersFilter::isIdentityHeader)) {
            return input; // the usual case: no copy per request
        }
        HttpHeaders filtered = new HttpHeaders();
        input.forEach((name, values) -> {
            if (!isIdentityHeader(name)) {
                filtered.addAll(name, values);
            }
        });
        return filtered;
    }

    static boolean isIdentityHeader(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return IDENTITY_PREFIXES.stream().anyMatch(lower::startsWith);
    }
}
