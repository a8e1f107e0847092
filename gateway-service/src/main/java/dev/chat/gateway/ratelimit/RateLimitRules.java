package dev.chat.gateway.ratelimit;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder.BandwidthBuilderBuildStage;

/**
 * The configured rules, checked and ordered: {@link #match} finds the one a request counts against.
 * A rule with a typo (unknown HTTP method, broken path pattern) fails start-up with the key to fix.
 */
final class RateLimitRules {

    private static final String PREFIX = "chat.gateway.rate-limits.rules.";
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
            "OPTIONS", "TRACE");

    /** A rule ready to match: methods empty = any method. */
    record Rule(String name, int order, Set<HttpMethod> methods, List<PathPattern> paths, long capacity,
            double refillPerSecond) {

        boolean matches(HttpMethod method, PathContainer path) {
            return (methods.isEmpty() || methods.contains(method))
                    && paths.stream().anyMatch(pattern -> pattern.matches(path));
        }

        /** Capacity {@code capacity}, refilled greedily (token by token, not all at once) at the configured rate. */
        Bandwidth bandwidth() {
            BandwidthBuilderBuildStage stage;
            if (refillPerSecond == Math.rint(refillPerSecond)) {
                stage = Bandwidth.builder().capacity(capacity).refillGreedy((long) refillPerSecond, Duration.ofSeconds(1));
            } else {
                long nanosPerToken = Math.max(1, Math.round(1_000_000_000d / refillPerSecond));
                stage = Bandwidth.builder().capacity(capacity).refillGreedy(1, Duration.ofNanos(nanosPerToken));
            }
            return stage.build();
        }

        /** How long an empty bucket takes to be full again. */
        Duration timeToRefillCompletely() {
            return Duration.ofNanos((long) Math.ceil(capacity * 1_000_000_000d / refillPerSecond));
        }
    }

    private final List<Rule> rules;

    private RateLimitRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    static RateLimitRules of(RateLimitProperties properties) {
        if (!properties.enabled()) {
            return new RateLimitRules(List.of());
        }
        PathPatternParser parser = new PathPatternParser();
        List<Rule> rules = properties.rules().entrySet().stream()
                .map(entry -> compile(entry.getKey(), entry.getValue(), parser))
                .sorted(Comparator.comparingInt(Rule::order).thenComparing(Rule::name))
                .toList();
        return new RateLimitRules(rules);
    }

    private static Rule compile(String name, RateLimitProperties.Rule rule, PathPatternParser parser) {
        Set<HttpMethod> methods = rule.methods().stream()
                .map(method -> {
                    String upper = method.trim().toUpperCase(Locale.ROOT);
                    if (!KNOWN_METHODS.contains(upper)) {
                        throw new IllegalArgumentException(PREFIX + name + ".methods: unknown HTTP method '" + method
                                + "' (expected one of " + KNOWN_METHODS.stream().sorted().toList() + ")");
                    }
                    return HttpMethod.valueOf(upper);
                })
                .collect(Collectors.toUnmodifiableSet());
        List<PathPattern> paths = rule.paths().stream()
                .map(path -> {
                    try {
                        return parser.parse(path.trim());
                    } catch (PatternParseException e) {
                        throw new IllegalArgumentException(PREFIX + name + ".paths: '" + path
                                + "' is not a valid path pattern: " + e.getMessage(), e);
                    }
                })
                .toList();
        return new Rule(name, rule.order(), methods, paths, rule.capacity(), rule.refillPerSecond());
    }

    /** The first rule (by order, then name) this request counts against. */
    Optional<Rule> match(HttpMethod method, PathContainer path) {
        for (Rule rule : rules) {
            if (rule.matches(method, path)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    List<Rule> rules() {
        return rules;
    }

    /** The longest time any rule's bucket needs to refill completely (zero without rules). */
    Duration longestRefill() {
        return rules.stream().map(Rule::timeToRefillCompletely).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    Map<String, Rule> byName() {
        return rules.stream().collect(Collectors.toUnmodifiableMap(Rule::name, rule -> rule));
    }
}
