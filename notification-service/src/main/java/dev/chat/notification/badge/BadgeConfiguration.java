package dev.chat.notification.badge;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * A batch of {@link BadgeListener} that fails (the database is away) is retried until it succeeds, waiting
 * 0.5 s doubling up to 10 s: unread counts are never skipped. Unreadable records never fail a batch (they are
 * skipped and logged one by one), so nothing can block it for good.
 */
@Configuration(proxyBeanMethods = false)
class BadgeConfiguration {

    @Bean
    CommonErrorHandler kafkaListenerErrorHandler() {
        ExponentialBackOff backOff = new ExponentialBackOff(500, 2);
        backOff.setMaxInterval(10_000);
        return new DefaultErrorHandler(backOff);
    }
}
