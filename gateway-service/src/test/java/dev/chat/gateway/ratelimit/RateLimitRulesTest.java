package dev.chat.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;

import io.github.bucket4j.Bandwidth;

/** Which rule a request counts against, with the rules of application.yml, and how rules are checked. */
class RateLimitRulesTest {

    /** The rules exactly as application.yml defines them. */
    static RateLimitProperties defaults() throws IOException {
        var sources = new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml"));
        return new Binder(ConfigurationPropertySources.from(sources))
                .bind("chat.gateway.rate-limits", RateLimitProperties.class)
                .get();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(nullValues = "none", value = {
            "POST, /api/v1/messages, send-message",
            "post, /api/v1/messages, send-message",
            "GET, /api/v1/messages, api",
            "POST, /api/v1/messages/, api",
            "PATCH, /api/v1/messages/0b7a7c1e-3f4e-4a57-9b55-111111111111, api",
            "GET, /api/v1/conversations/c1/messages, api",
            "POST, /api/v1/conversations, api",
            "GET, /api/v1/devices, api",
            "GET, /ws, websocket-connect",
            "POST, /ws, none",
            "POST, /api/v1/dev/tokens, dev-tokens",
            "GET, /actuator/health/readiness, none",
            "GET, /v3/api-docs/message-service, none",
            "GET, /nothing/here, none" })
    void requestsCountAgainstTheFirstMatchingDefaultRule(String method, String path, String expected) throws IOException {
        RateLimitRules rules = RateLimitRules.of(defaults());

        Optional<RateLimitRules.Rule> match = rules.match(HttpMethod.valueOf(method.toUpperCase()),
                PathContainer.parsePath(path));

        assertThat(match.map(RateLimitRules.Rule::name).orElse(null)).isEqualTo(expected);
    }

    @Test
    void theDefaultsAreThoseOfTheApiContract() throws IOException {
        RateLimitProperties properties = defaults();
        RateLimitRules rules = RateLimitRules.of(properties);

        assertThat(properties.enabled()).isTrue();
        RateLimitRules.Rule send = rules.byName().get("send-message");
        assertThat(send.capacity()).as("burst").isEqualTo(20);
        assertThat(send.refillPerSecond()).as("messages per second").isEqualTo(10);
        assertThat(send.bandwidth().getRefillTokens()).isEqualTo(10);
        assertThat(send.bandwidth().getRefillPeriodNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(send.bandwidth().isGready()).isTrue();
        assertThat(rules.rules()).extracting(RateLimitRules.Rule::name)
                .containsExactly("send-message", "websocket-connect", "dev-tokens", "api");
    }

    @Test
    void aLowerOrderWinsWhateverTheDeclarationOrderThenTheName() {
        Map<String, RateLimitProperties.Rule> declared = new LinkedHashMap<>();
        declared.put("everything", rule(100, List.of(), List.of("/**")));
        declared.put("b-uploads", rule(5, List.of("PUT", "post"), List.of("/api/v1/uploads", "/api/v1/files/**")));
        declared.put("a-uploads", rule(5, List.of("POST"), List.of("/api/v1/uploads")));
        RateLimitRules rules = RateLimitRules.of(properties(true, declared));

        assertThat(name(rules, HttpMethod.POST, "/api/v1/uploads")).isEqualTo("a-uploads");
        assertThat(name(rules, HttpMethod.PUT, "/api/v1/uploads")).isEqualTo("b-uploads");
        assertThat(name(rules, HttpMethod.POST, "/api/v1/files/x/y")).isEqualTo("b-uploads");
        assertThat(name(rules, HttpMethod.GET, "/api/v1/files/x")).isEqualTo("everything");
        assertThat(name(rules, HttpMethod.DELETE, "/anything")).isEqualTo("everything");
    }

    @Test
    void disabledMeansNoRuleMatches() {
        RateLimitRules rules = RateLimitRules.of(properties(false, Map.of("everything", rule(0, List.of(), List.of("/**")))));

        assertThat(rules.match(HttpMethod.POST, PathContainer.parsePath("/api/v1/messages"))).isEmpty();
    }

    @Test
    void anUnknownMethodFailsWithTheKeyToFix() {
        var properties = properties(true, Map.of("send", rule(0, List.of("PSOT"), List.of("/api/v1/messages"))));

        assertThatThrownBy(() -> RateLimitRules.of(properties))
                .hasMessageContaining("chat.gateway.rate-limits.rules.send.methods")
                .hasMessageContaining("PSOT");
    }

    @Test
    void aBrokenPathPatternFailsWithTheKeyToFix() {
        var properties = properties(true, Map.of("send", rule(0, List.of(), List.of("/api/{unclosed"))));

        assertThatThrownBy(() -> RateLimitRules.of(properties))
                .hasMessageContaining("chat.gateway.rate-limits.rules.send.paths");
    }

    @Test
    void fractionalRatesRefillOneTokenAtATime() {
        var properties = properties(true, Map.of("slow", new RateLimitProperties.Rule(0, List.of(), List.of("/**"), 3, 0.2)));
        RateLimitRules.Rule slow = RateLimitRules.of(properties).rules().getFirst();

        Bandwidth bandwidth = slow.bandwidth();
        assertThat(bandwidth.getCapacity()).isEqualTo(3);
        assertThat(bandwidth.getRefillTokens()).isEqualTo(1);
        assertThat(bandwidth.getRefillPeriodNanos()).isEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(slow.timeToRefillCompletely()).isEqualTo(Duration.ofSeconds(15));
    }

    @ParameterizedTest(name = "{0} ns -> {1} s")
    @CsvSource({ "0, 1", "1, 1", "999999999, 1", "1000000000, 1", "1000000001, 2", "4200000000, 5" })
    void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne(long nanos, long seconds) {
        assertThat(RateLimiting.retryAfterSeconds(nanos)).isEqualTo(seconds);
    }

    static RateLimitProperties.Rule rule(int order, List<String> methods, List<String> paths) {
        return new RateLimitProperties.Rule(order, methods, paths, 10, 1);
    }

    static RateLimitProperties properties(boolean enabled, Map<String, RateLimitProperties.Rule> rules) {
        return new RateLimitProperties(enabled, 1000, Duration.ofMinutes(10), rules);
    }

    private static String name(RateLimitRules rules, HttpMethod method, String path) {
        return rules.match(method, PathContainer.parsePath(path)).map(RateLimitRules.Rule::name).orElse(null);
    }
}
