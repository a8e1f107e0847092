package dev.chat.shared.event;

import java.time.Instant;

/**
 * An operator revoked a user's tokens: every token of {@code userId} issued before {@code issuedBefore}
 * ({@code iat}) is no longer accepted, and sessions opened with one are closed with 4401. On
 * {@link Topics#CHAT_REVOCATIONS} (key: user id, compacted: the latest revocation per user is kept).
 *
 * @param userId       whose tokens
 * @param issuedBefore tokens issued before this are revoked (tokens without {@code iat} too)
 * @param revokedAt    when the operator revoked them
 */
public record TokenRevocation(String userId, Instant issuedBefore, Instant revokedAt) {
}
