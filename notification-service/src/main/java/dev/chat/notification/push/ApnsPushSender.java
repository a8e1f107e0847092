package dev.chat.notification.push;

import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;

import dev.chat.shared.json.ChatJson;
import io.netty.channel.nio.NioEventLoopGroup;

/**
 * iOS pushes over APNs HTTP/2 with token (.p8) auth, through Pushy's async client. Production devices go to
 * {@code api.push.apple.com}, sandbox ones to {@code api.sandbox.push.apple.com}; with
 * {@code chat.push.apns.host}/{@code port} both go to that one server. One Netty event loop group is shared
 * by both clients (Netty 4.2's {@code MultiThreadIoEventLoopGroup} does not work with Pushy 0.15).
 *
 * <p>An alert: {@code aps} = {alert: {title, body}, badge, sound, thread-id = conversation id,
 * mutable-content: 1}, the data keys beside {@code aps}; headers {@code apns-push-type: alert},
 * {@code apns-priority: 10}, {@code apns-collapse-id} = conversation id, {@code apns-expiration}, and
 * {@code apns-topic} = the device's app id (or {@code chat.push.apns.topic}). READ and WITHDRAW are silent
 * badge updates: {@code aps} = {badge, content-available: 1} (the app may remove delivered notifications of
 * the conversation), {@code apns-push-type: alert} (Apple requires it for a badge change; a
 * {@code background} push may not carry one) and {@code apns-priority: 5}, no sound, no collapse id.
 */
final class ApnsPushSender implements PushSender {

    private static final Set<String> INVALID_TOKEN_REASONS = Set.of("Unregistered", "BadDeviceToken");

    private final NioEventLoopGroup eventLoops;
    private final ApnsClient production;
    private final ApnsClient sandbox;
    private final String defaultTopic;
    private final long timeoutMillis;

    private ApnsPushSender(NioEventLoopGroup eventLoops, ApnsClient production, ApnsClient sandbox,
            String defaultTopic, long timeoutMillis) {
        this.eventLoops = eventLoops;
        this.production = production;
        this.sandbox = sandbox;
        this.defaultTopic = defaultTopic;
        this.timeoutMillis = timeoutMillis;
    }

    /** Loads the signing key and builds the clients (they connect on first use); throws if the key is unusable. */
    static ApnsPushSender create(PushProperties.Apns config) throws IOException {
        ApnsSigningKey key;
        try {
            key = ApnsSigningKey.loadFromPkcs8File(config.keyFile().toFile(), config.teamId().strip(), config.keyId().strip());
        } catch (NoSuchAlgorithmException | InvalidKeyException | RuntimeException e) {
            throw new IOException("the APNs key " + config.keyFile() + " is not a .p8 (PKCS#8 EC) key: " + e.getMessage(), e);
        }
        NioEventLoopGroup eventLoops = new NioEventLoopGroup(2);
        try {
            boolean override = config.host() != null && !config.host().isBlank();
            ApnsClient production = client(config, key, eventLoops,
                    override ? config.host().strip() : ApnsClientBuilder.PRODUCTION_APNS_HOST,
                    override && config.port() != null ? config.port() : ApnsClientBuilder.DEFAULT_APNS_PORT);
            ApnsClient sandbox = override ? production : client(config, key, eventLoops,
                    ApnsClientBuilder.DEVELOPMENT_APNS_HOST, ApnsClientBuilder.DEFAULT_APNS_PORT);
            String topic = config.topic() == null || config.topic().isBlank() ? null : config.topic().strip();
            return new ApnsPushSender(eventLoops, production, sandbox, topic, config.timeout().toMillis());
        } catch (IOException | RuntimeException e) {
            eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private static ApnsClient client(PushProperties.Apns config, ApnsSigningKey key, NioEventLoopGroup eventLoops,
            String host, int port) throws IOException {
        ApnsClientBuilder builder = new ApnsClientBuilder()
                .setApnsServer(host, port)
                .setSigningKey(key)
                .setEventLoopGroup(eventLoops)
                .setConcurrentConnections(config.connections())
                .setConnectionTimeout(config.timeout());
        if (config.trustedCertFile() != null) {
            builder.setTrustedServerCertificateChain(config.trustedCertFile().toFile());
        }
        return builder.build();
    }

    @Override
    public String provider() {
        return "apns";
    }

    @Override
    public CompletableFuture<SendResult> send(PushNotification n) {
        String topic = n.device().appId() != null ? n.device().appId() : defaultTopic;
        if (topic == null) {
            return CompletableFuture.completedFuture(new SendResult.Failed("no_topic"));
        }
        boolean alert = n.kind() == PushNotification.Kind.ALERT;
        SimpleApnsPushNotification notification = new SimpleApnsPushNotification(n.device().token(), topic,
                payload(n), n.expiresAt(), alert ? DeliveryPriority.IMMEDIATE : DeliveryPriority.CONSERVE_POWER,
                PushType.ALERT, alert ? n.conversationId().toString() : null);
        ApnsClient client = n.device().sandbox() ? sandbox : production;
        return client.sendNotification(notification)
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .handle((response, error) -> error != null ? new SendResult.Retryable(reason(error), null)
                        : classify(response));
    }

    static String payload(PushNotification n) {
        Map<String, Object> aps = new LinkedHashMap<>();
        if (n.kind() == PushNotification.Kind.ALERT) {
            aps.put("alert", Map.of("title", n.title(), "body", n.body()));
            if (n.badge() != null) {
                aps.put("badge", n.badge());
            }
            aps.put("sound", "default");
            aps.put("thread-id", n.conversationId().toString());
            aps.put("mutable-content", 1);
        } else {
            if (n.badge() != null) {
                aps.put("badge", n.badge());
            }
            aps.put("content-available", 1);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("aps", aps);
        payload.putAll(n.data());
        return ChatJson.mapper().writeValueAsString(payload);
    }

    static SendResult classify(PushNotificationResponse<?> response) {
        if (response.isAccepted()) {
            return new SendResult.Delivered(String.valueOf(response.getApnsId()));
        }
        int status = response.getStatusCode();
        String reason = response.getRejectionReason().orElse("HTTP " + status);
        if (status == 410 || INVALID_TOKEN_REASONS.contains(reason)) {
            return new SendResult.InvalidToken(reason);
        }
        if (status == 429 || status >= 500) {
            return new SendResult.Retryable(reason, null);
        }
        // DeviceTokenNotForTopic, BadTopic, InvalidProviderToken, PayloadTooLarge ...: fix the configuration, replay
        return new SendResult.Failed(reason);
    }

    private static String reason(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause instanceof java.util.concurrent.TimeoutException ? "timeout" : cause.getClass().getSimpleName();
    }

    @Override
    public void close() {
        CompletableFuture<Void> closing = production.close();
        if (sandbox != production) {
            closing = CompletableFuture.allOf(closing, sandbox.close());
        }
        try {
            closing.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // shutting down anyway
        }
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
