package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the runner as {@code ./chat up} does (its own JVM), runs the printed example with sh and
 * curl against the fake gateway, then stops it with SIGINT like Ctrl-C.
 */
class LocalRunnerIT {

    @TempDir
    Path tmp;

    @Test
    void startsPrintsAWorkingExampleAndStopsEverythingOnCtrlC() throws Exception {
        assumeThat(onPath("curl")).as("curl is needed to run the printed example").isTrue();
        Path root = FakeProject.create(tmp.resolve("project"));
        int port = new Ports().free();
        Path output = tmp.resolve("runner.out");
        Process runner = new ProcessBuilder(ChatStack.javaBinary(), "-cp", System.getProperty("java.class.path"),
                "-Dchat.project.root=" + root, LocalRunner.class.getName(), "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertThat(runner.isAlive()).as("runner died:\n%s", read(output)).isTrue();
                return read(output).contains("Ctrl-C stops everything.");
            });
            String printed = read(output);
            System.out.println(printed);
            assertThat(printed).contains("chat: ready in ", "http://localhost:" + port,
                    "ws://localhost:" + port + "/ws", ".chat-local/logs/<name>.log");
            assertThat(printed).contains("./chat ws \"$BOB\" ws://localhost:" + port + "/ws");

            // the example, as printed, minus the line that needs the chat script in another terminal
            List<String> lines = printed.lines()
                    .dropWhile(l -> !l.startsWith("Try it"))
                    .filter(l -> l.startsWith("  ") && !l.isBlank())
                    .map(String::trim)
                    .filter(l -> !l.startsWith("#") && !l.startsWith("./chat"))
                    .toList();
            assertThat(lines).hasSize(4);
            String script = String.join("\n", lines) + "\necho \"alice=$ALICE bob=$BOB conv=$CONV\"\n";
            Process sh = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
            String result = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(sh.waitFor()).as(result).isZero();
            assertThat(result).contains("\"seq\":1", "\"content\":\"Hello Bob\"", "alice=tok-alice bob=tok-bob conv=")
                    .containsPattern("\"conversation_id\":\"[0-9a-f-]{36}\"");

            Process ctrlC = new ProcessBuilder("kill", "-INT", Long.toString(runner.pid())).start();
            assertThat(ctrlC.waitFor()).isZero();
            assertThat(runner.waitFor(60, TimeUnit.SECONDS)).as("runner stops on SIGINT").isTrue();
            assertThat(read(output)).contains("chat: stopping ...", "chat: stopped");
            assertThat(Leftovers.mentioning(tmp)).isEmpty();
            assertThat(root.resolve(".chat-local/logs/gateway-service.log")).exists();
        } finally {
            runner.destroyForcibly();
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, command)).anyMatch(Files::isExecutable);
    }
}
