package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ServiceEnvironmentTest {

    @Test
    void devDefaultsFillOnlyWhatTheDeveloperLeftUnset() {
        Map<String, String> env = ServiceEnvironment.compose(Map.of("PATH", "/bin"), Map.of("SERVER_PORT", "8081"), Map.of());

        assertThat(env).containsEntry("PATH", "/bin")
                .containsEntry("SERVER_PORT", "8081")
                .containsEntry("CHAT_AUTH_JWT_SECRET", ServiceEnvironment.DEV_JWT_SECRET)
                .containsEntry("CHAT_AUTH_DEV_TOKENS_ENABLED", "true")
                .containsEntry("MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED", "true");
        assertThat(ServiceEnvironment.DEV_JWT_SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeGreaterThanOrEqualTo(32);
    }

    @Test
    void whatTheDeveloperSetsReachesTheServiceUnchanged() {
        Map<String, String> inherited = Map.of(
                "CHAT_AUTH_JWT_SECRET", "my-own-secret-of-at-least-32-bytes!!",
                "CHAT_AUTH_DEV_TOKENS_ENABLED", "false",
                "CHAT_PUSH_PREVIEW", "false",
                "SPRING_PROFILES_ACTIVE", "debug");

        Map<String, String> env = ServiceEnvironment.compose(inherited, Map.of("SERVER_PORT", "8081"), Map.of());

        assertThat(env).containsAllEntriesOf(inherited);
    }

    @Test
    void theStackWiringWinsOverTheShellAndTheBuilderWinsOverAll() {
        Map<String, String> env = ServiceEnvironment.compose(
                Map.of("SERVER_PORT", "9999", "SPRING_KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9092", "CHAT_AUTH_JWT_SECRET", "shell"),
                Map.of("SERVER_PORT", "8081", "SPRING_KAFKA_BOOTSTRAP_SERVERS", "localhost:40000"),
                Map.of("CHAT_AUTH_JWT_SECRET", "from-the-test", "CHAT_PUSH_GRACE_PERIOD", "200ms"));

        assertThat(env).containsEntry("SERVER_PORT", "8081")
                .containsEntry("SPRING_KAFKA_BOOTSTRAP_SERVERS", "localhost:40000")
                .containsEntry("CHAT_AUTH_JWT_SECRET", "from-the-test")
                .containsEntry("CHAT_PUSH_GRACE_PERIOD", "200ms");
    }

    @Test
    void aBlankSecretCountsAsUnset() {
        Map<String, String> env = ServiceEnvironment.compose(Map.of("CHAT_AUTH_JWT_SECRET", " "), Map.of(), Map.of());

        assertThat(env).containsEntry("CHAT_AUTH_JWT_SECRET", ServiceEnvironment.DEV_JWT_SECRET);
    }
}
