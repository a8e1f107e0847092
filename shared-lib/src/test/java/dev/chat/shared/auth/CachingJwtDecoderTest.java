package dev.chat.shared.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;

import reactor.core.publisher.Mono;

class CachingJwtDecoderTest {

    private final Instant now = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void aVerifiedTokenIsDecodedOnceAndRefusedOnceItExpires() {
        AtomicInteger decodes = new AtomicInteger();
        Jwt jwt = Jwt.withTokenValue("t").header("alg", "HS256").subject("alice")
                .issuedAt(now.minusSeconds(60)).expiresAt(now.plusSeconds(60)).build();
        MutableClock clock = new MutableClock(now);
        CachingJwtDecoder decoder = new CachingJwtDecoder(token -> {
            decodes.incrementAndGet();
            return Mono.just(jwt);
        }, Duration.ofSeconds(30), 100, Duration.ofMinutes(5), clock);

        assertThat(decoder.decode("t").block()).isSameAs(jwt);
        assertThat(decoder.decode("t").block()).isSameAs(jwt);
        assertThat(decodes).hasValue(1);

        clock.now = now.plusSeconds(60 + 31); // past exp and the clock skew
        assertThatThrownBy(() -> decoder.decode("t").block()).isInstanceOf(BadJwtException.class);
    }

    @Test
    void failuresAreNotRemembered() {
        AtomicInteger decodes = new AtomicInteger();
        CachingJwtDecoder decoder = new CachingJwtDecoder(token -> {
            decodes.incrementAndGet();
            return Mono.error(new BadJwtException("bad signature"));
        }, Duration.ofSeconds(30), 100, Duration.ofMinutes(5), Clock.fixed(now, ZoneOffset.UTC));
        assertThatThrownBy(() -> decoder.decode("x").block()).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode("x").block()).isInstanceOf(BadJwtException.class);
        assertThat(decodes).hasValue(2);
    }

    private static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
