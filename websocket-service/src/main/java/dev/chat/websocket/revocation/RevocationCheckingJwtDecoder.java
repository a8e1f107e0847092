package dev.chat.websocket.revocation;

import java.text.ParseException;
import java.time.Instant;
import java.util.Date;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import com.nimbusds.jwt.JWTParser;

import reactor.core.publisher.Mono;

/**
 * The shared JWT decoder, then the revocations: a verified token that {@link RevocationStore} says is
 * revoked is refused like an invalid one, so the upgrade is answered 401 problem+json before any
 * WebSocket exists.
 */
public final class RevocationCheckingJwtDecoder implements ReactiveJwtDecoder {

    private final ReactiveJwtDecoder delegate;
    private final RevocationStore revocations;

    public RevocationCheckingJwtDecoder(ReactiveJwtDecoder delegate, RevocationStore revocations) {
        this.delegate = delegate;
        this.revocations = revocations;
    }

    @Override
    public Mono<Jwt> decode(String token) {
        return delegate.decode(token).flatMap(jwt -> revocations.isRevoked(jwt.getSubject(), issuedAt(jwt))
                ? Mono.error(new BadJwtException("The token was revoked"))
                : Mono.just(jwt));
    }

    /**
     * The token's own {@code iat}, or null when it has none. Not {@link Jwt#getIssuedAt()}: Spring's claim
     * mapping fills a missing {@code iat} in with {@code exp} minus one second, and a token without
     * {@code iat} must count as revoked by any revocation of its user.
     */
    public static Instant issuedAt(Jwt jwt) {
        try {
            Date issued = JWTParser.parse(jwt.getTokenValue()).getJWTClaimsSet().getIssueTime();
            return issued == null ? null : issued.toInstant();
        } catch (ParseException e) {
            // verified by the decoder already, so parseable; should it not be, trust nothing
            return null;
        }
    }
}
