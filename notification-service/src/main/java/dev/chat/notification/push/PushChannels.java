package dev.chat.notification.push;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.chat.notification.device.Device;

/**
 * The two channels, each enabled only when its credentials are configured and usable. A channel without
 * them is disabled with one warning at start-up (never a crash): its devices are skipped and counted in
 * {@code chat.push.skipped{reason=channel_disabled}}.
 */
@Component
public class PushChannels implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(PushChannels.class);

    private final PushSender fcm;
    private final PushSender apns;
    private final Map<String, String> status = new LinkedHashMap<>();

    PushChannels(PushProperties properties) {
        this.fcm = fcm(properties.fcm());
        this.apns = apns(properties.apns());
    }

    /** The sender for this device's platform, or null if that channel is disabled. */
    PushSender senderFor(Device device) {
        return device.ios() ? apns : fcm;
    }

    static String providerOf(Device device) {
        return device.ios() ? "apns" : "fcm";
    }

    /** {@code enabled}, or {@code disabled: <why>}, per channel. */
    public Map<String, String> status() {
        return Map.copyOf(status);
    }

    private PushSender fcm(PushProperties.Fcm config) {
        if (config.credentialsFile() == null) {
            return disabled("fcm", "chat.push.fcm.credentials-file is not set");
        }
        if (!Files.isReadable(config.credentialsFile())) {
            return disabled("fcm", "chat.push.fcm.credentials-file " + config.credentialsFile() + " cannot be read");
        }
        try {
            PushSender sender = FcmPushSender.create(config);
            status.put("fcm", "enabled");
            log.info("FCM enabled (endpoint {})", config.endpoint() == null || config.endpoint().isBlank()
                    ? JdkHttpTransport.FCM_BASE : config.endpoint());
            return sender;
        } catch (Exception e) {
            return disabled("fcm", "the credentials in " + config.credentialsFile() + " are unusable (" + e.getMessage() + ")");
        }
    }

    private PushSender apns(PushProperties.Apns config) {
        if (config.keyFile() == null || blank(config.keyId()) || blank(config.teamId())) {
            return disabled("apns", "chat.push.apns.key-file, key-id and team-id are not all set");
        }
        if (!Files.isReadable(config.keyFile())) {
            return disabled("apns", "chat.push.apns.key-file " + config.keyFile() + " cannot be read");
        }
        if (config.trustedCertFile() != null && !Files.isReadable(config.trustedCertFile())) {
            return disabled("apns", "chat.push.apns.trusted-cert-file " + config.trustedCertFile() + " cannot be read");
        }
        try {
            PushSender sender = ApnsPushSender.create(config);
            status.put("apns", "enabled");
            log.info("APNs enabled ({})", blank(config.host()) ? "api.push.apple.com / api.sandbox.push.apple.com"
                    : config.host() + ":" + config.port());
            return sender;
        } catch (Exception e) {
            return disabled("apns", "the key " + config.keyFile() + " is unusable (" + e.getMessage() + ")");
        }
    }

    private PushSender disabled(String channel, String why) {
        String device = channel.equals("fcm") ? "Android" : "iOS";
        status.put(channel, "disabled: " + why);
        log.warn("{} push channel disabled: {}. {} devices get no pushes until it is configured "
                + "(docs/notification-service.md, \"Credentials\").", channel.toUpperCase(), why, device);
        return null;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    @Override
    public void destroy() {
        if (fcm != null) {
            fcm.close();
        }
        if (apns != null) {
            apns.close();
        }
    }
}
