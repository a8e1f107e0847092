package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up checks that fail before anything is started. */
class ChatStackTest {

    @TempDir
    Path tmp;

    @Test
    void missingJarsAreNamedWithTheBuildCommand() throws Exception {
        Files.createDirectories(tmp.resolve("gateway-service/target"));
        Files.createFile(tmp.resolve("gateway-service/target/gateway-service-0.1.0-SNAPSHOT-exec.jar"));

        assertThatThrownBy(() -> ChatStack.builder().projectRoot(tmp).logDir(tmp.resolve("logs")).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(tmp.resolve("message-service/target/message-service-<version>-exec.jar").toString())
                .hasMessageContaining("notification-service")
                .hasMessageNotContaining("gateway-service/target")
                .hasMessageContaining("./mvnw -DskipTests package");
        assertThat(Leftovers.liveDescendants()).isEmpty();
    }

    @Test
    void aTakenGatewayPortIsReportedBeforeAnythingStarts() throws Exception {
        Path root = FakeProject.create(tmp.resolve("project"));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> ChatStack.builder().projectRoot(root).gatewayPort(port)
                    .logDir(tmp.resolve("logs")).workDir(tmp.resolve("work")).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + port + " is in use")
                    .hasMessageContaining("--port");
        }
        assertThat(tmp.resolve("work/kafka")).doesNotExist();
        assertThat(Leftovers.liveDescendants()).isEmpty();
    }
}
