package dev.chat.notification.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/**
 * The fake FCM and APNs, started once per test JVM on free ports (stopped by a shutdown hook), and the
 * {@code chat.push.fcm.*} / {@code chat.push.apns.*} settings that send the service to them.
 */
@TestConfiguration(proxyBeanMethods = false)
public class PushFakes {

    private static FakeFcm fcm;
    private static FakeApns apns;

    public static synchronized FakeFcm fcm() {
        start();
        return fcm;
    }

    public static synchronized FakeApns apns() {
        start();
        return apns;
    }

    private static void start() {
        if (fcm != null) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("push-fakes-");
            fcm = new FakeFcm(dir);
            apns = new FakeApns(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the fake push providers", e);
        }
        FakeFcm startedFcm = fcm;
        FakeApns startedApns = apns;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            startedFcm.close();
            try {
                startedApns.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }, "stop-push-fakes"));
    }

    @Bean
    DynamicPropertyRegistrar pushFakeProperties() {
        return registry -> {
            registry.add("chat.push.fcm.credentials-file", () -> fcm().credentialsFile().toString());
            registry.add("chat.push.fcm.endpoint", () -> fcm().baseUrl());
            registry.add("chat.push.apns.key-file", () -> apns().keyFile().toString());
            registry.add("chat.push.apns.key-id", () -> TestCredentials.APNS_KEY_ID);
            registry.add("chat.push.apns.team-id", () -> TestCredentials.APNS_TEAM_ID);
            registry.add("chat.push.apns.topic", () -> TestCredentials.APNS_TOPIC);
            registry.add("chat.push.apns.host", () -> "localhost");
            registry.add("chat.push.apns.port", () -> apns().port());
            registry.add("chat.push.apns.trusted-cert-file", () -> apns().trustedCertificate().toString());
        };
    }
}
