package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails half-way throws with the failing log's tail and leaves no process behind. */
class ChatStackFailureIT {

    @TempDir
    Path tmp;

    @Test
    void aServiceThatDiesFailsTheStartAtOnceWithItsLog() throws Exception {
        Path root = FakeProject.create(tmp.resolve("project"));
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> ChatStack.builder()
                .projectRoot(root)
                .logDir(tmp.resolve("logs"))
                .workDir(tmp.resolve("work"))
                .env("FAKE_FAIL", "message-service")
                .start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("message-service exited with code 3")
                .hasMessageContaining("boom: message-service cannot start")
                .hasMessageContaining(tmp.resolve("logs/message-service.log").toString());

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60)); // no readiness timeout
        assertThat(Leftovers.liveDescendants()).isEmpty();
        assertThat(Leftovers.mentioning(tmp)).isEmpty();
        assertThat(tmp.resolve("work/postgres")).doesNotExist();
    }

    @Test
    void aServiceThatNeverGetsReadyFailsAfterTheTimeout() throws Exception {
        Path root = FakeProject.create(tmp.resolve("project"));

        assertThatThrownBy(() -> ChatStack.builder()
                .projectRoot(root)
                .logDir(tmp.resolve("logs"))
                .env("FAKE_READY_AFTER_MS", "600000")
                .startupTimeout(Duration.ofSeconds(5))
                .start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not ready within 5 s")
                .hasMessageContaining("OUT_OF_SERVICE")
                .hasMessageContaining("gateway-service listening on");

        assertThat(Leftovers.liveDescendants()).isEmpty();
        assertThat(Leftovers.mentioning(tmp)).isEmpty();
    }
}
