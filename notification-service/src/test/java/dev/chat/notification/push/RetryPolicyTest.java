package dev.chat.notification.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final PushProperties.Retry retry = new PushProperties.Retry(5, Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofMinutes(10));

    @Test
    void theBackoffDoublesUpToTheMaximum() {
        assertThat(retry.backoff(1, null)).isEqualTo(Duration.ofSeconds(1));
        assertThat(retry.backoff(2, null)).isEqualTo(Duration.ofSeconds(2));
        assertThat(retry.backoff(3, null)).isEqualTo(Duration.ofSeconds(4));
        assertThat(retry.backoff(5, null)).isEqualTo(Duration.ofSeconds(10));
        assertThat(retry.backoff(40, null)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aLongerRetryAfterWins() {
        assertThat(retry.backoff(1, Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        assertThat(retry.backoff(3, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(4));
    }
}
