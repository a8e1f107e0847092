package dev.chat.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.chat.testsupport.PushCredentials;

/**
 * Both fake providers of a push benchmark, answering after {@code delay}, and what they received: per
 * (message id, device token) how many pushes arrived and when the first did.
 */
final class PushFakes implements AutoCloseable {

    /** The Firebase project and the APNs topic (the app) the fakes' credentials and the devices name. */
    static final String PROJECT_ID = "chat-bench";
    static final String APNS_TOPIC = "dev.chat.bench";

    private static final Pattern MESSAGE_ID = Pattern.compile("\"message_id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final Pattern FCM_TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");

    /** Arrivals of one (message, device). */
    static final class Arrival {
        final AtomicLong count = new AtomicLong();
        volatile long firstNanos;
    }

    private final SlowFcm fcm;
    private final SlowApns apns;
    private final Path fcmCredentials;
    private final Path apnsKey;
    private final Path apnsCertificate;
    private final Map<String, Arrival> arrivals = new ConcurrentHashMap<>();
    private final AtomicLong fcmPushes = new AtomicLong();
    private final AtomicLong apnsPushes = new AtomicLong();

    PushFakes(Path dir, Duration delay) throws Exception {
        fcm = new SlowFcm(delay, body -> record("fcm", new String(body, StandardCharsets.UTF_8), null));
        PushCredentials.Tls tls = PushCredentials.localhostTls(dir);
        apns = new SlowApns(tls, delay, (path, body) -> record("apns", body, path.substring(path.lastIndexOf('/') + 1)));
        fcmCredentials = PushCredentials.serviceAccount(dir, PROJECT_ID, fcm.baseUrl() + "/token");
        apnsKey = PushCredentials.apnsKey(dir, "apns-key.p8").p8();
        apnsCertificate = tls.certificatePem();
    }

    /** The CHAT_PUSH_* settings that send notification-service to these fakes. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CHAT_PUSH_FCM_CREDENTIALS_FILE", fcmCredentials.toString());
        env.put("CHAT_PUSH_FCM_ENDPOINT", fcm.baseUrl());
        env.put("CHAT_PUSH_APNS_KEY_FILE", apnsKey.toString());
        env.put("CHAT_PUSH_APNS_KEY_ID", "BENCHKEY01");
        env.put("CHAT_PUSH_APNS_TEAM_ID", "BENCHTEAM1");
        env.put("CHAT_PUSH_APNS_TOPIC", APNS_TOPIC);
        env.put("CHAT_PUSH_APNS_HOST", "localhost");
        env.put("CHAT_PUSH_APNS_PORT", Integer.toString(apns.port()));
        env.put("CHAT_PUSH_APNS_TRUSTED_CERT_FILE", apnsCertificate.toString());
        return env;
    }

    private void record(String provider, String body, String token) {
        Matcher id = MESSAGE_ID.matcher(body);
        if (!id.find()) {
            return; // not an alert (no benchmark sends anything else)
        }
        if (token == null) {
            Matcher fcmToken = FCM_TOKEN.matcher(body);
            token = fcmToken.find() ? fcmToken.group(1) : "?";
        }
        (provider.equals("fcm") ? fcmPushes : apnsPushes).incrementAndGet();
        Arrival arrival = arrivals.computeIfAbsent(id.group(1) + "|" + token, k -> new Arrival());
        if (arrival.count.getAndIncrement() == 0) {
            arrival.firstNanos = System.nanoTime();
        }
    }

    Arrival arrival(String messageId, String token) {
        return arrivals.get(messageId + "|" + token);
    }

    long fcmPushes() {
        return fcmPushes.get();
    }

    long apnsPushes() {
        return apnsPushes.get();
    }

    long pushes() {
        return fcmPushes.get() + apnsPushes.get();
    }

    @Override
    public void close() throws Exception {
        fcm.close();
        apns.close();
    }
}
