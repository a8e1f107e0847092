package dev.chat.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.limit.ConnectionLimit;

class GatewayWebSocketPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Properties.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(GatewayWebSocketProperties.class)
    static class Properties {
    }

    @Test
    void defaultsDeriveTheLimitAndSpreadRetriesOverOneToTenSeconds() {
        runner.run(context -> {
            GatewayWebSocketProperties properties = context.getBean(GatewayWebSocketProperties.class);
            assertThat(properties.maxConnections()).isZero();
            assertThat(properties.refusedRetryAfter().base()).hasSeconds(1);
            assertThat(properties.refusedRetryAfter().spread()).hasSeconds(9);
        });
    }

    @Test
    void nonsenseIsRefusedAtStartUp() {
        runner.withPropertyValues("chat.gateway.websocket.max-connections=-1")
                .run(context -> assertThat(context).hasFailed());
        runner.withPropertyValues("chat.gateway.websocket.refused-retry-after.base=0s")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void theDerivationCountsTwoSocketsAndFortyKibPerProxiedConnection() {
        // files: (20,000 - 1,000) / 2 = 9,500; heap: 60% of 512 MiB / 40 KiB = 7,864
        ConnectionLimit derived = ConnectionLimit.derive(20_000, 512L * 1024 * 1024,
                GatewayWebSocketProperties.SOCKETS_PER_CONNECTION, GatewayWebSocketProperties.DERIVED_CONNECTION_HEAP_BYTES);

        assertThat(derived.filesDerived()).isEqualTo(9_500);
        assertThat(WebSocketProxyConfiguration.limit(0, derived)).isEqualTo(7_864);
        assertThat(WebSocketProxyConfiguration.limit(100, derived)).isEqualTo(100);
    }
}
