package dev.chat.devstack;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment of a service process: this JVM's environment (so every {@code CHAT_*} and
 * {@code SPRING_*} variable the developer sets reaches every service unchanged), the dev defaults
 * where the developer set nothing, the stack's wiring (ports, Kafka, PostgreSQL, routes), and last
 * the builder's extra variables.
 */
final class ServiceEnvironment {

    /** HS256 needs at least 32 bytes. Local use only: anyone can read it here. */
    static final String DEV_JWT_SECRET = "chat-local-dev-secret-never-use-in-production";

    static final String JWT_SECRET = "CHAT_AUTH_JWT_SECRET";
    static final String DEV_TOKENS_ENABLED = "CHAT_AUTH_DEV_TOKENS_ENABLED";
    static final String PROBES_ENABLED = "MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED";

    private ServiceEnvironment() {
    }

    /** Applied only when the developer's environment (or the builder) does not set them. */
    static Map<String, String> devDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(JWT_SECRET, DEV_JWT_SECRET);
        defaults.put(DEV_TOKENS_ENABLED, "true");
        defaults.put(PROBES_ENABLED, "true"); // the stack waits for /actuator/health/readiness
        return defaults;
    }

    /**
     * @param inherited this JVM's environment
     * @param wiring    what the stack decides (SERVER_PORT, SPRING_KAFKA_BOOTSTRAP_SERVERS, ...): always wins
     *                  over {@code inherited}, since the stack's infrastructure lives on its own ports
     * @param extra     the builder's {@code env(key, value)}: wins over everything
     */
    static Map<String, String> compose(Map<String, String> inherited, Map<String, String> wiring,
            Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>(inherited);
        devDefaults().forEach((key, value) -> {
            if (isBlank(env.get(key)) && isBlank(extra.get(key))) {
                env.put(key, value);
            }
        });
        env.putAll(wiring);
        env.putAll(extra);
        return env;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
