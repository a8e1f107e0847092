package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

class LocalRunnerTest {

    @Test
    void thePortComesFromTheArgumentThenTheEnvironmentThen8080() {
        assertThat(LocalRunner.port(new String[0], null)).isEqualTo(8080);
        assertThat(LocalRunner.port(new String[0], " ")).isEqualTo(8080);
        assertThat(LocalRunner.port(new String[0], "9080")).isEqualTo(9080);
        assertThat(LocalRunner.port(new String[] {"--port", "7000"}, "9080")).isEqualTo(7000);
        assertThat(LocalRunner.port(new String[] {"--port=7001"}, null)).isEqualTo(7001);
        assertThatThrownBy(() -> LocalRunner.port(new String[] {"--port", "x"}, null)).hasMessageContaining("not a port: x");
        assertThatThrownBy(() -> LocalRunner.port(new String[] {"--port", "70000"}, null)).hasMessageContaining("not a port");
        assertThatThrownBy(() -> LocalRunner.port(new String[] {"--verbose"}, null)).hasMessageContaining("unknown argument");
    }

    @Test
    void theExampleUsesOnlyCurlSedAndTheChatScript() {
        String example = LocalRunner.example(URI.create("http://localhost:8080"));

        assertThat(example).contains("curl -sS -X POST http://localhost:8080/api/v1/dev/tokens",
                "./chat ws \"$BOB\"\n".replace("\n", System.lineSeparator()),
                "/api/v1/conversations", "{\"type\":\"direct\",\"participant_ids\":[\"bob\"]}", "/api/v1/messages")
                .doesNotContain("jq", "ws://localhost:8080/ws");
        assertThat(LocalRunner.example(URI.create("http://localhost:9080"))).contains("./chat ws \"$BOB\" ws://localhost:9080/ws");
    }
}
