package dev.chat.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ProblemWriter;
import io.github.bucket4j.ConsumptionProbe;

/** One bucket per (rule, caller); configuration mistakes stop the start-up. */
class RateLimiterTest {

    private final RateLimitRules rules = RateLimitRules.of(RateLimitRulesTest.properties(true, Map.of(
            "send", new RateLimitProperties.Rule(0, List.of("POST"), List.of("/api/v1/messages"), 2, 0.1),
            "api", new RateLimitProperties.Rule(1, List.of(), List.of("/api/**"), 2, 0.1))));
    private final RateLimiter limiter = new RateLimiter(RateLimitRulesTest.properties(true, Map.of()), rules);

    @Test
    void eachCallerHasItsOwnBucketPerRule() {
        RateLimitRules.Rule send = rules.byName().get("send");
        RateLimitRules.Rule api = rules.byName().get("api");

        assertThat(limiter.tryConsume(send, "user:alice").getRemainingTokens()).isEqualTo(1);
        assertThat(limiter.tryConsume(send, "user:alice").isConsumed()).isTrue();
        ConsumptionProbe rejected = limiter.tryConsume(send, "user:alice");
        assertThat(rejected.isConsumed()).isFalse();
        // 0.1 tokens per second: the next one in (almost) 10 s
        assertThat(Duration.ofNanos(rejected.getNanosToWaitForRefill())).isBetween(Duration.ofSeconds(9),
                Duration.ofSeconds(10));

        assertThat(limiter.tryConsume(send, "user:bob").isConsumed()).isTrue();
        assertThat(limiter.tryConsume(api, "user:alice").isConsumed()).isTrue();
        assertThat(limiter.size()).isEqualTo(3);
    }

    @Test
    void bucketsAreKeptAtLeastUntilTheyWouldHaveRefilled() {
        // 2 tokens at 0.1/s: 20 s to refill, more than the configured idle expiry of 1 s
        var properties = new RateLimitProperties(true, 10, Duration.ofSeconds(1), Map.of());
        assertThat(rules.longestRefill()).isEqualTo(Duration.ofSeconds(20));
        RateLimiter shortLived = new RateLimiter(properties, rules);
        RateLimitRules.Rule send = rules.byName().get("send");

        shortLived.tryConsume(send, "user:alice");
        shortLived.tryConsume(send, "user:alice");

        assertThat(shortLived.tryConsume(send, "user:alice").isConsumed()).isFalse();
        assertThat(shortLived.size()).isEqualTo(1);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RateLimitProperties.class)
    static class Context {

        @Bean
        ProblemWriter problemWriter() {
            return new ProblemWriter(ChatJson.mapper());
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Context.class, RateLimitConfiguration.class);

    @Test
    void aValidRuleStarts() {
        runner.withPropertyValues(
                "chat.gateway.rate-limits.rules.send.methods=POST",
                "chat.gateway.rate-limits.rules.send.paths=/api/v1/messages",
                "chat.gateway.rate-limits.rules.send.capacity=20",
                "chat.gateway.rate-limits.rules.send.refill-per-second=10")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RateLimiting.class));
    }

    @Test
    void aRuleWithoutCapacityRateOrPathsFailsStartUp() {
        runner.withPropertyValues("chat.gateway.rate-limits.rules.send.methods=POST")
                .run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("chat.gateway.rate-limits.rules[send].capacity")
                        .hasStackTraceContaining("chat.gateway.rate-limits.rules[send].refillPerSecond")
                        .hasStackTraceContaining("chat.gateway.rate-limits.rules[send].paths"));
    }

    @Test
    void anUnknownMethodFailsStartUp() {
        runner.withPropertyValues(
                "chat.gateway.rate-limits.rules.send.methods=PSOT",
                "chat.gateway.rate-limits.rules.send.paths=/api/v1/messages",
                "chat.gateway.rate-limits.rules.send.capacity=20",
                "chat.gateway.rate-limits.rules.send.refill-per-second=10")
                .run(context -> assertThat(context).getFailure()
                        .rootCause().hasMessageContaining("chat.gateway.rate-limits.rules.send.methods"));
    }
}
