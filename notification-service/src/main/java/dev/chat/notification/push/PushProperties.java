package dev.chat.notification.push;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * Push notifications ({@code chat.push.*}); docs/notification-service.md "Configuration" explains each.
 *
 * @param gracePeriod        a message no device of a recipient acked within this time is pushed
 * @param preview            whether alerts show the content; false: {@code privacyText}
 * @param privacyText        the alert body when previews are off
 * @param previewLength      characters (code points) of content an alert shows at most
 * @param ttl                how long providers keep a push for an offline device
 * @param maxAge             a message that reached the bus longer ago than this is not pushed any more
 * @param tick               how often due decisions are taken
 * @param maxInFlight        messages being sent at once by this instance
 * @param claimTtl           how long a (message, device) claim of one instance keeps others off it
 * @param watermarkRetention ack/read watermarks without a change for this long are forgotten
 * @param logRetention       dedupe records are deleted after this long (must exceed any redelivery delay)
 * @param maxDevicesPerUser  registering one more removes the user's least recently registered device
 * @param instanceId         Kafka Streams static membership id (stable and unique per instance), or empty
 */
@Validated
@ConfigurationProperties("chat.push")
public record PushProperties(
        @DefaultValue("2s") @NotNull Duration gracePeriod,
        @DefaultValue("true") boolean preview,
        @DefaultValue("New message") @NotNull String privacyText,
        @DefaultValue("100") @Min(10) @Max(1000) int previewLength,
        @DefaultValue("24h") @NotNull Duration ttl,
        @DefaultValue("1h") @NotNull Duration maxAge,
        @DefaultValue("100ms") @NotNull Duration tick,
        @DefaultValue("5000") @Min(1) int maxInFlight,
        @DefaultValue("30s") @NotNull Duration claimTtl,
        @DefaultValue("24h") @NotNull Duration watermarkRetention,
        @DefaultValue("2d") @NotNull Duration logRetention,
        @DefaultValue("20") @Min(1) int maxDevicesPerUser,
        @DefaultValue("") String instanceId,
        @DefaultValue @Valid Retry retry,
        @DefaultValue @Valid DeadLetters deadLetters,
        @DefaultValue @Valid Fcm fcm,
        @DefaultValue @Valid Apns apns) {

    /**
     * Transient provider errors: {@code maxAttempts} attempts in all, waiting {@code initialBackoff} doubling
     * up to {@code maxBackoff} between them, or the provider's Retry-After when longer; a Retry-After above
     * {@code maxRetryAfter} dead-letters at once.
     */
    public record Retry(
            @DefaultValue("5") @Min(1) @Max(50) int maxAttempts,
            @DefaultValue("1s") @NotNull Duration initialBackoff,
            @DefaultValue("1m") @NotNull Duration maxBackoff,
            @DefaultValue("10m") @NotNull Duration maxRetryAfter) {

        /** The wait before attempt {@code attempt + 1} after attempt {@code attempt} (1-based) failed. */
        public Duration backoff(int attempt, Duration retryAfter) {
            long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
            Duration wait = Duration.ofMillis(Math.min(base, maxBackoff.toMillis()));
            return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
        }
    }

    /** How often this instance looks for dead letters an operator asked to replay. */
    public record DeadLetters(@DefaultValue("5s") @NotNull Duration replayInterval) {
    }

    /**
     * FCM (HTTP v1 through firebase-admin).
     *
     * @param credentialsFile a Firebase service-account JSON; none: Android pushes are disabled
     * @param projectId       default: the file's {@code project_id}
     * @param endpoint        replaces {@code https://fcm.googleapis.com} (tests, proxies)
     * @param maxConcurrency  requests in flight at once
     * @param timeout         connect and read timeout of one request
     */
    public record Fcm(
            Path credentialsFile,
            String projectId,
            String endpoint,
            @DefaultValue("100") @Min(1) int maxConcurrency,
            @DefaultValue("10s") @NotNull Duration timeout) {
    }

    /**
     * APNs (HTTP/2, token auth, Pushy).
     *
     * @param keyFile         the .p8 signing key; none (or no key id / team id): iOS pushes are disabled
     * @param topic           the bundle id for devices registered without {@code app_id}
     * @param host            with {@code port}: every device goes to this server (tests), instead of
     *                        {@code api.push.apple.com} (production devices) / {@code api.sandbox.push.apple.com} (sandbox)
     * @param trustedCertFile the CA (PEM) that server's certificate is checked against
     * @param connections     HTTP/2 connections per APNs server
     * @param maxConcurrency  notifications in flight at once
     * @param timeout         how long one notification may wait for its answer
     */
    public record Apns(
            Path keyFile,
            String keyId,
            String teamId,
            String topic,
            String host,
            Integer port,
            Path trustedCertFile,
            @DefaultValue("2") @Min(1) @Max(64) int connections,
            @DefaultValue("1000") @Min(1) int maxConcurrency,
            @DefaultValue("10s") @NotNull Duration timeout) {
    }
}
