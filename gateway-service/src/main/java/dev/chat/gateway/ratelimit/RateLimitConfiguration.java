package dev.chat.gateway.ratelimit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.problem.ProblemWriter;

/** The rate limiter; the security chain places its filter after authorization. */
@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RateLimitConfiguration.class);

    @Bean
    RateLimiting rateLimiting(RateLimitProperties properties, ProblemWriter writer) {
        RateLimitRules rules = RateLimitRules.of(properties);
        if (rules.rules().isEmpty()) {
            log.warn("Rate limits are OFF (chat.gateway.rate-limits.enabled=false or no rules)");
        } else {
            rules.rules().forEach(rule -> log.info("Rate limit '{}': {} {} -> {} at once, {} per second per caller",
                    rule.name(), rule.methods().isEmpty() ? "any method" : rule.methods(), rule.paths(),
                    rule.capacity(), rule.refillPerSecond()));
        }
        return new RateLimiting(rules, new RateLimiter(properties, rules), writer);
    }
}
