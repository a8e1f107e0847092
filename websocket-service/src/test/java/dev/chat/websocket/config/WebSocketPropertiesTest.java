package dev.chat.websocket.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.event.ChatTopicProperties;

class WebSocketPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Properties.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({WebSocketProperties.class, ChatTopicProperties.class})
    static class Properties {
    }

    @Test
    void defaultsAreValid() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            WebSocketProperties properties = context.getBean(WebSocketProperties.class);
            assertThat(properties.dedup().eventIds()).isEqualTo(100_000);
            assertThat(properties.revocation().maxTokenLifetime()).hasHours(24);
            assertThat(properties.signals().queueCapacity()).isEqualTo(10_000);
            assertThat(properties.frameRate().perSecond()).isEqualTo(20);
            assertThat(properties.frameRate().burst()).isEqualTo(100);
            assertThat(properties.frameRate().nanosPerFrame()).isEqualTo(50_000_000L);
            assertThat(context.getBean(ChatTopicProperties.class).partitions()).isEqualTo(3);
            assertThat(properties.maxConnections()).isZero();
            assertThat(properties.refusedRetryAfter().base()).hasSeconds(1);
            assertThat(properties.refusedRetryAfter().spread()).hasSeconds(9);
            // the gateway's websocket-connect rule: 10 at once, 1 per second
            assertThat(properties.connectRate().enabled()).isTrue();
            assertThat(properties.connectRate().capacity()).isEqualTo(10);
            assertThat(properties.connectRate().refillPerSecond()).isEqualTo(1.0);
            assertThat(properties.connectRate().maxBuckets()).isEqualTo(100_000);
            assertThat(properties.connectRate().idleExpiry()).hasMinutes(10);
        });
    }

    @Test
    void nonsenseIsRefusedAtStartUp() {
        runner.withPropertyValues("chat.ws.heartbeat=10ms").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.max-frame-bytes=100B").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.outbound-buffer=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.kafka.partitions=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.sync.page-size=201").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.presence.heartbeat=0s").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.message-service.max-in-flight=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.revocation.max-token-lifetime=10s").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.max-connections=-1").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.refused-retry-after.base=0s").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.refused-retry-after.spread=-1s").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.frame-rate.per-second=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.frame-rate.per-second=1000000").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.frame-rate.burst=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.connect-rate.capacity=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.connect-rate.refill-per-second=0").run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.ws.connect-rate.max-buckets=0").run(context -> assertThat(context).hasFailed());
    }
}
