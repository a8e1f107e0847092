package dev.chat.notification;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Owns device registrations, the push log and each user's unread count (schema {@code notification}), and
 * pushes (FCM, APNs) every message no device of a recipient acknowledged within the grace period: see
 * docs/notification-service.md. Packages by feature: {@code device} (REST registry), {@code decision} (Kafka
 * Streams over chat.events + chat.signals), {@code push} (dispatcher, senders, push log, dead letters),
 * {@code badge} (unread counts, badge updates and withdrawals).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class NotificationServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(NotificationServiceApplication.class, args);
    }
}
