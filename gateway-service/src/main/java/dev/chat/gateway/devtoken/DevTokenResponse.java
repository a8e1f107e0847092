package dev.chat.gateway.devtoken;

import java.time.Instant;

/** {@code {"access_token", "expires_at"}}; {@code expires_at} is the token's {@code exp}. */
record DevTokenResponse(String accessToken, Instant expiresAt) {
}
