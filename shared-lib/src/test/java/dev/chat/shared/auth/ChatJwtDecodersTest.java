package dev.chat.shared.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;

class ChatJwtDecodersTest {

    private final JwtProperties properties = new JwtProperties("x".repeat(32), null, null, null, Duration.ofSeconds(30));

    @Test
    void aSubjectWithControlCharactersOrOutside1To128IsRefused() {
        assertThat(valid("alice")).isTrue();
        assertThat(valid("a".repeat(128))).isTrue();
        assertThat(valid("a".repeat(129))).isFalse();
        assertThat(valid(" ")).isFalse();
        assertThat(valid("ali\u0000ce")).isFalse();
        assertThat(valid("ali\nce")).isFalse();
        assertThat(valid("ali\u0085ce")).isFalse();
        assertThat(valid("lone \uD83D")).isFalse();
    }

    private boolean valid(String sub) {
        Jwt jwt = Jwt.withTokenValue("t").header("alg", "HS256").subject(sub)
                .issuedAt(Instant.now().minusSeconds(10)).expiresAt(Instant.now().plusSeconds(60)).build();
        return !ChatJwtDecoders.validator(properties).validate(jwt).hasErrors();
    }
}
