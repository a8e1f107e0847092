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
 * container images, the heaps their Kubernetes memory limits give them and the CPUs their CPU limits
 * give them ({@link ImageFlags}), PostgreSQL with fsync, synchronous_commit and full_page_writes on.
 * Not the local runner's quick-start flags.
 */
final class BenchStack {

    private BenchStack() {
    }

    /** The image's flags (ImageFlags), plus native access for Netty. */
    static List<String> productionJvmOptions(String module) {
        Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize();
        List<String> options = new ArrayList<>(ImageFlags.asProcessOptions(ImageFlags.of(root, module)));
        options.add("--enable-native-access=ALL-UNNAMED");
        return options;
    }

    /** Starts it; {@code env} is passed to every service (e.g. raised rate limits for a load run). */
    static ChatStack start(Path root, Map<String, String> env, int webSocketNodes) throws Exception {
        return start(root, env, webSocketNodes, BenchStack::productionJvmOptions);
    }

    /** The same with other JVM options per module (e.g. a benchmark comparing garbage collectors). */
    static ChatStack start(Path root, Map<String, String> env, int webSocketNodes,
            java.util.function.Function<String, List<String>> jvmOptions) throws Exception {
        Path logs = root.resolve("bench/target/stack-logs");
        Files.createDirectories(logs);
        ChatStack.Builder builder = ChatStack.builder()
                .projectRoot(root)
                .gatewayPort(0)
                .logDir(logs)
                .workDir(root.resolve("bench/target/stack-work"))
                .startupTimeout(Duration.ofSeconds(180))
                .serviceJvmOptions(jvmOptions)
                .durablePostgres(true)
                .webSocketNodes(webSocketNodes)
                .onProgress(line -> System.out.println("  stack: " + line));
        env.forEach(builder::env);
        return builder.start();
    }
}
