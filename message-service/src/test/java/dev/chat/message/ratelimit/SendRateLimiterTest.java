package dev.chat.message.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The send limit's arithmetic; the statement itself runs against PostgreSQL in ReplicasIT. */
class SendRateLimiterTest {

    final SendRateLimitProperties contract = new SendRateLimitProperties(true, 20, 10, Duration.ofMinutes(10),
            Duration.ofMinutes(1));

    @Test
    void theContractsNumbersAsGcraIntervals() {
        assertThat(contract.emissionSeconds()).isEqualTo(0.1);
        assertThat(contract.burstSeconds()).isEqualTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void retryAfterIsTheWaitForTheNextMessageRoundedUpAndAtLeastOneSecond() {
        // refused at a full burst: the arrival time is 2 s ahead, room again 0.1 s later
        assertThat(SendRateLimiter.retryAfterSeconds(2.0, 0.1, 20)).isEqualTo(1);
        // one message every 5 s, burst 2, arrival time 12 s ahead: room again when it is 5 s ahead, in 7 s
        assertThat(SendRateLimiter.retryAfterSeconds(12.0, 5, 2)).isEqualTo(7);
        assertThat(SendRateLimiter.retryAfterSeconds(12.3, 5, 2)).isEqualTo(8);
        // never 0 (a hot loop), whatever the race that led here
        assertThat(SendRateLimiter.retryAfterSeconds(0, 0.1, 20)).isEqualTo(1);
        assertThat(SendRateLimiter.retryAfterSeconds(-1, 0.1, 20)).isEqualTo(1);
    }
}
