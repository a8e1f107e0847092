package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.websocket.config.WebSocketProperties;

class ConnectRateLimitTest {

    private static ConnectRateLimit limit(long capacity, double perSecond) {
        return new ConnectRateLimit(new WebSocketProperties.ConnectRate(true, capacity, perSecond, 1000, Duration.ofMinutes(10)),
                new ProblemWriter(ChatJson.mapper()), new SimpleMeterRegistry());
    }

    @Test
    void aBucketPerUserOfTheConfiguredBurst() {
        ConnectRateLimit limit = limit(2, 0.01);
        assertThat(limit.tryConsume("alice").getRemainingTokens()).isEqualTo(1);
        assertThat(limit.tryConsume("alice").isConsumed()).isTrue();
        ConsumptionProbe third = limit.tryConsume("alice");
        assertThat(third.isConsumed()).isFalse();
        // one token every 100 s
        assertThat(ConnectRateLimit.retryAfterSeconds(third.getNanosToWaitForRefill())).isBetween(99L, 100L);
        assertThat(limit.tryConsume("bob").isConsumed()).isTrue();
    }

    @Test
    void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
        assertThat(ConnectRateLimit.retryAfterSeconds(0)).isEqualTo(1);
        assertThat(ConnectRateLimit.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(ConnectRateLimit.retryAfterSeconds(1_000_000_000L)).isEqualTo(1);
        assertThat(ConnectRateLimit.retryAfterSeconds(1_000_000_001L)).isEqualTo(2);
    }

    @Test
    void fractionalAndWholeRatesRefillAtTheirRate() {
        assertThat(ConnectRateLimit.bandwidth(10, 1).getRefillPeriodNanos()).isEqualTo(1_000_000_000L);
        assertThat(ConnectRateLimit.bandwidth(10, 0.2).getRefillPeriodNanos()).isEqualTo(5_000_000_000L);
        assertThat(ConnectRateLimit.bandwidth(10, 0.2).getRefillTokens()).isEqualTo(1);
        assertThat(ConnectRateLimit.bandwidth(10, 4).getRefillTokens()).isEqualTo(4);
    }

    @Test
    void theBucketOutlivesItsRefillEvenWithAShortIdleExpiry() {
        WebSocketProperties.ConnectRate slow = new WebSocketProperties.ConnectRate(true, 10, 0.001, 1000, Duration.ofSeconds(1));
        assertThat(slow.timeToRefillCompletely()).isEqualTo(Duration.ofSeconds(10_000));
    }

    @Test
    void anIdleBucketIsDroppedWhenItExpiresWithoutFurtherUpgrades() {
        // full again after 1 s, kept 1 s unused: then dropped, although nobody asks the cache again
        ConnectRateLimit limit = new ConnectRateLimit(new WebSocketProperties.ConnectRate(true, 1, 1, 1000,
                Duration.ofSeconds(1)), new ProblemWriter(ChatJson.mapper()), new SimpleMeterRegistry());
        limit.tryConsume("alice");
        limit.tryConsume("bob");
        assertThat(limit.buckets()).isEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).until(() -> limit.buckets() == 0);
    }
}
