package dev.chat.gateway.devtoken;

/** {@code {"user_id", "name"}}: who the token is for; {@code name} (optional) becomes the {@code name} claim. */
record DevTokenRequest(String userId, String name) {
}
