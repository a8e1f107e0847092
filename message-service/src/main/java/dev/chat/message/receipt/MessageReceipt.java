package dev.chat.message.receipt;

import java.time.Instant;

/**
 * One participant's receipt for one message: {@code sent}, {@code delivered} or {@code read}, from
 * their watermarks. {@code at} is when the watermark that gives the status last moved (which may
 * be later than when it first covered this message), null for {@code sent}.
 */
record MessageReceipt(String userId, String status, Instant at) {

    static final String SENT = "sent";
    static final String DELIVERED = "delivered";
    static final String READ = "read";
}
