package dev.chat.notification.push;

import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code GET /actuator/health/push}: which channels are enabled, and how many dead letters wait. */
@Configuration(proxyBeanMethods = false)
class PushHealthIndicators {

    @Bean
    HealthIndicator pushChannelsHealthIndicator(PushChannels channels, PushMaintenance maintenance) {
        return () -> {
            Map<String, String> status = channels.status();
            Health.Builder health = Health.up().withDetails(status).withDetail("dead_letters", maintenance.deadLetters());
            if (maintenance.deadLetters() > 0) {
                health.withDetail("action", "inspect notification.push_dead_letters; replay with "
                        + "SELECT notification.replay_push_dead_letters(ARRAY[...]) (docs/notification-service.md)");
            }
            return health.build();
        };
    }
}
