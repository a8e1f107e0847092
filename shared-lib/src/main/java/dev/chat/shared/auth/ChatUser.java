package dev.chat.shared.auth;

import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import reactor.core.publisher.Mono;

/**
 * The verified caller: {@code sub} is the user id, the optional {@code name} claim the display name.
 * Only the verified token says who the caller is; no request header does.
 */
public record ChatUser(String id, String name) {

    public static ChatUser of(Jwt jwt) {
        return new ChatUser(jwt.getSubject(), jwt.getClaimAsString("name"));
    }

    /** The caller of the current request; empty if the request is not authenticated. */
    public static Mono<ChatUser> current() {
        return ReactiveSecurityContextHolder.getContext()
                .mapNotNull(ctx -> ctx.getAuthentication())
                .filter(JwtAuthenticationToken.class::isInstance)
                .map(auth -> of(((JwtAuthenticationToken) auth).getToken()));
    }
}
