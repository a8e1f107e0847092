package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRegistryTest {

    @TempDir
    Path tmp;

    @Test
    void aLaterStackStopsWhatAKilledOneLeftBehind() throws Exception {
        Path pids = tmp.resolve("pids");
        ProcessRegistry killedRun = new ProcessRegistry(pids);
        ChildProcess orphan = killedRun.register(sleeper("orphan"));
        Process unrelated = new ProcessBuilder("sleep", "60").start();
        // a recycled pid: same number, another start time
        Files.writeString(pids, unrelated.pid() + " 1000 recycled\n", java.nio.file.StandardOpenOption.APPEND);

        List<String> stopped = ProcessRegistry.stopLeftovers(pids);

        assertThat(stopped).containsExactly("orphan (pid " + orphan.handle().pid() + ")");
        assertThat(orphan.isAlive()).isFalse();
        assertThat(unrelated.isAlive()).isTrue();
        assertThat(pids).doesNotExist();
        unrelated.destroyForcibly().waitFor();
    }

    @Test
    void aClosedRegistryRefusesAndStopsNewProcesses() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(null);
        ChildProcess first = registry.register(sleeper("first"));

        assertThat(registry.close()).containsExactly(first);
        ChildProcess late = sleeper("late");
        assertThatThrownBy(() -> registry.register(late)).hasMessageContaining("shutting down");
        assertThat(late.isAlive()).isFalse();
        first.stop(Duration.ofSeconds(5));
        assertThat(first.isAlive()).isFalse();
    }

    private ChildProcess sleeper(String name) throws Exception {
        return ChildProcess.start(name, List.of("sleep", "60"), Map.of("PATH", System.getenv("PATH")), tmp,
                tmp.resolve(name + ".log"), false);
    }
}
