package dev.chat.notification.push;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters by provider ({@code fcm}, {@code apns}), kind ({@code alert}, {@code read}, {@code withdraw}) and
 * reason (the provider's error code: {@code UNAVAILABLE}, {@code BadDeviceToken}, ...):
 * {@code chat.push.sent}, {@code chat.push.failed} (every failed attempt), {@code chat.push.retried},
 * {@code chat.push.dead_lettered}, {@code chat.push.invalid_tokens} (devices removed), and
 * {@code chat.push.skipped} (not attempted: {@code channel_disabled}, {@code already_sent}).
 */
@Component
class PushMetrics {

    private final MeterRegistry registry;

    PushMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void sent(String provider, PushNotification.Kind kind) {
        counter("chat.push.sent", provider, kind, null).increment();
    }

    void failed(String provider, PushNotification.Kind kind, String reason) {
        counter("chat.push.failed", provider, kind, reason).increment();
    }

    void retried(String provider, PushNotification.Kind kind, String reason) {
        counter("chat.push.retried", provider, kind, reason).increment();
    }

    void deadLettered(String provider, PushNotification.Kind kind, String reason) {
        counter("chat.push.dead_lettered", provider, kind, reason).increment();
    }

    void invalidToken(String provider, String reason) {
        counter("chat.push.invalid_tokens", provider, null, reason).increment();
    }

    void skipped(String provider, String reason) {
        counter("chat.push.skipped", provider, null, reason).increment();
    }

    private Counter counter(String name, String provider, PushNotification.Kind kind, String reason) {
        Counter.Builder builder = Counter.builder(name).tag("provider", provider);
        if (kind != null) {
            builder.tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (reason != null) {
            builder.tag("reason", reason);
        }
        return builder.register(registry);
    }
}
