package dev.chat.notification.support;

import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.testsupport.TestTokens;

/** Registers devices over the REST API, as an app does. */
public final class Devices {

    private final WebTestClient client;

    public Devices(WebTestClient client) {
        this.client = client;
    }

    public static String user(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A fresh FCM-like registration token. */
    public static String fcmToken() {
        return "fcm:" + UUID.randomUUID() + "-" + UUID.randomUUID();
    }

    /** A fresh APNs device token: 32 bytes in hex. */
    public static String apnsToken() {
        byte[] bytes = new byte[32];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public WebTestClient.ResponseSpec register(String user, Map<String, ?> body) {
        return client.post().uri("/api/v1/devices")
                .headers(h -> h.setBearerAuth(TestTokens.token(user)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    /** An Android device of the user; returns its token. */
    public String android(String user) {
        String token = fcmToken();
        register(user, Map.of("platform", "android", "token", token)).expectStatus().isCreated();
        return token;
    }

    /** An iOS device of the user (production APNs, the default topic); returns its token. */
    public String ios(String user) {
        String token = apnsToken();
        register(user, Map.of("platform", "ios", "token", token, "app_id", TestCredentials.APNS_TOPIC))
                .expectStatus().isCreated();
        return token;
    }

    public WebTestClient.ResponseSpec list(String user) {
        return client.get().uri("/api/v1/devices").headers(h -> h.setBearerAuth(TestTokens.token(user))).exchange();
    }

    public WebTestClient.ResponseSpec delete(String user, String token) {
        return client.delete().uri("/api/v1/devices/{token}", token)
                .headers(h -> h.setBearerAuth(TestTokens.token(user))).exchange();
    }
}
