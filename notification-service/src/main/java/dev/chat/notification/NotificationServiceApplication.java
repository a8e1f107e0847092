package dev.chat.notification;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Will own device registrations and the push log, and push (FCM, APNs) whatever a recipient did not
 * acknowledge over WebSocket in time. For now a running, secured skeleton: see docs/notification-service.md.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class NotificationServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(NotificationServiceApplication.class, args);
    }
}
