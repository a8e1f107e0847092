package dev.chat.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.chat.devstack.ChatStack;

/**
 * The whole system as production runs it, on this machine: the services with the JVM flags of their
 * container images and the heaps their Kubernetes memory limits give them (75 %), PostgreSQL with
 * fsync, synchronous_commit and full_page_writes on. Not the local runner's quick-start flags.
 */
final class BenchStack {

    /** Memory limits of k8s/base (MiB); the heap is 75 % of it, as -XX:MaxRAMPercentage=75 gives in the container. */
    static final Map<String, Integer> MEMORY_LIMIT_MIB = Map.of(
            "gateway-service", 512, "message-service", 768, "websocket-service", 768, "notification-service", 512);

    private BenchStack() {
    }

    static List<String> productionJvmOptions(String module) {
        int heap = MEMORY_LIMIT_MIB.getOrDefault(module, 512) * 3 / 4;
        List<String> options = new ArrayList<>(List.of(
                "-XX:+UseG1GC", "-Xms" + heap + "m", "-Xmx" + heap + "m",
                "-XX:MaxDirectMemorySize=64m", "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED"));
        // -Dbench.jfr=message-service,gateway-service: a JFR profile of those, in bench/target/<module>.jfr
        String profiled = System.getProperty("bench.jfr", "");
        if (List.of(profiled.split(",")).contains(module)) {
            Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath();
            options.add("-XX:StartFlightRecording=filename=" + root.resolve("bench/target/" + module + ".jfr")
                    + ",settings=profile,dumponexit=true");
        }
        return options;
    }

    /** Starts it; {@code env} is passed to every service (e.g. raised rate limits for a load run). */
    static ChatStack start(Path root, Map<String, String> env, int webSocketNodes) throws Exception {
        Path logs = root.resolve("bench/target/stack-logs");
        Files.createDirectories(logs);
        ChatStack.Builder builder = ChatStack.builder()
                .projectRoot(root)
                .gatewayPort(0)
                .logDir(logs)
                .workDir(root.resolve("bench/target/stack-work"))
                .startupTimeout(Duration.ofSeconds(180))
                .serviceJvmOptions(BenchStack::productionJvmOptions)
                .durablePostgres(true)
                .webSocketNodes(webSocketNodes)
                .onProgress(line -> System.out.println("  stack: " + line));
        env.forEach(builder::env);
        return builder.start();
    }
}
