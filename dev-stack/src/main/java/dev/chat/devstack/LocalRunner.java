package dev.chat.devstack;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./chat up}: the whole system on this machine (PostgreSQL, Kafka, the four services), the
 * gateway on port 8080 (or {@code --port N}, or {@code CHAT_GATEWAY_PORT}), logs under
 * {@code .chat-local/logs/}. Prints the URLs and an example that works as printed, then runs until
 * Ctrl-C, which stops everything.
 */
public final class LocalRunner {

    static final int DEFAULT_PORT = 8080;

    private LocalRunner() {
    }

    public static void main(String[] args) throws InterruptedException {
        // zonky and the Kafka admin client log through slf4j-simple: keep the terminal for what matters
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka", "error");

        int port;
        try {
            port = port(args, System.getenv("CHAT_GATEWAY_PORT"));
        } catch (IllegalArgumentException e) {
            System.err.println("chat: " + e.getMessage());
            System.err.println("usage: ./chat up [--port N]   (default 8080, or CHAT_GATEWAY_PORT)");
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize();
        Path local = root.resolve(".chat-local");
        Path logs = local.resolve("logs");

        System.out.println("chat: starting PostgreSQL, Kafka and " + String.join(", ", ChatStack.SERVICES)
                + " (logs: " + root.relativize(logs) + "/)");
        AtomicReference<ChatStack> running = new AtomicReference<>();
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            System.out.println();
            System.out.println("chat: stopping ...");
            ChatStack stack = running.get();
            if (stack != null) {
                stack.close();
                System.out.println("chat: stopped");
            }
        }, "chat-runner-shutdown"));

        long t0 = System.nanoTime();
        ChatStack stack;
        try {
            stack = ChatStack.builder()
                    .projectRoot(root)
                    .gatewayPort(port)
                    .logDir(logs)
                    .workDir(local.resolve("run"))
                    .onProgress(line -> System.out.println("chat:   " + line))
                    .start();
        } catch (RuntimeException e) {
            Thread.sleep(500); // Ctrl-C reaches the child JVMs too: give our shutdown hook the time to say so
            if (stopping.get()) {
                System.out.println("chat: stopped"); // the stack's own shutdown hook stopped what had started
                return;
            }
            System.err.println();
            System.err.println("chat: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        running.set(stack);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(summary(stack, root, seconds));
        watch(stack);
    }

    /** --port N, --port=N, else CHAT_GATEWAY_PORT, else 8080. */
    static int port(String[] args, String envPort) {
        String value = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                value = args[++i];
            } else if (args[i].startsWith("--port=")) {
                value = args[i].substring("--port=".length());
            } else {
                throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (value == null) {
            value = envPort == null || envPort.isBlank() ? Integer.toString(DEFAULT_PORT) : envPort.trim();
        }
        try {
            int port = Integer.parseInt(value);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port: " + value);
        }
    }

    static String summary(ChatStack stack, Path root, double seconds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nchat: ready in %.1f s%n%n", seconds));
        URI gateway = stack.gatewayUrl();
        row(out, "gateway", gateway + "   REST " + gateway + "/api/v1/...   WebSocket " + stack.gatewayWebSocketUrl());
        for (String service : ChatStack.SERVICES) {
            row(out, service, stack.serviceUrl(service) + "/actuator/health");
        }
        row(out, "kafka", stack.kafkaBootstrapServers());
        row(out, "postgresql", stack.postgresJdbcUrl() + "   (user " + stack.postgresUser() + ", password "
                + stack.postgresPassword() + ")");
        Path logDir = stack.logDir();
        row(out, "logs", (logDir.startsWith(root) ? root.relativize(logDir) : logDir) + "/<name>.log");
        row(out, "JWT secret", ServiceEnvironment.DEV_JWT_SECRET.equals(stack.jwtSecret())
                ? "the dev default (set CHAT_AUTH_JWT_SECRET to choose one)" : "from CHAT_AUTH_JWT_SECRET");
        out.append(System.lineSeparator());
        if ("false".equalsIgnoreCase(System.getenv(ServiceEnvironment.DEV_TOKENS_ENABLED))) {
            out.append("Dev tokens are off (CHAT_AUTH_DEV_TOKENS_ENABLED=false): use tokens from your identity provider.")
                    .append(System.lineSeparator());
        } else {
            out.append(example(gateway));
        }
        out.append(System.lineSeparator()).append("Ctrl-C stops everything.");
        return out.toString();
    }

    private static void row(StringBuilder out, String name, String value) {
        out.append(String.format(Locale.ROOT, "  %-21s %s%n", name, value));
    }

    /**
     * A copy-paste example that works as printed with a POSIX shell and curl (no jq): dev tokens
     * for alice and bob, bob's WebSocket in a second terminal, a direct conversation and a message
     * from alice.
     */
    static String example(URI gateway) {
        String api = gateway + "/api/v1";
        String wsArg = gateway.getPort() == DEFAULT_PORT ? "" : " " + "ws://localhost:" + gateway.getPort() + "/ws";
        String token = "sed -n 's/.*\"access_token\" *: *\"\\([^\"]*\\)\".*/\\1/p'";
        String firstId = "tr ',{' '\\n\\n' | sed -n 's/^ *\"id\" *: *\"\\([^\"]*\\)\".*/\\1/p' | head -n 1";
        String json = "-H 'Content-Type: application/json'";
        return String.join(System.lineSeparator(),
                "Try it (a POSIX shell and curl are enough):",
                "",
                "  # terminal 2, in this directory: watch bob's WebSocket",
                "  BOB=$(curl -sS -X POST " + api + "/dev/tokens " + json
                        + " -d '{\"user_id\":\"bob\",\"name\":\"Bob\"}' | " + token + ")",
                "  ./chat ws \"$BOB\"" + wsArg,
                "",
                "  # terminal 3: alice opens a direct conversation with bob and says hello",
                "  ALICE=$(curl -sS -X POST " + api + "/dev/tokens " + json
                        + " -d '{\"user_id\":\"alice\",\"name\":\"Alice\"}' | " + token + ")",
                "  CONV=$(curl -sS -X POST " + api + "/conversations -H \"Authorization: Bearer $ALICE\" " + json
                        + " -d '{\"type\":\"direct\",\"participant_ids\":[\"bob\"]}' | " + firstId + ")",
                "  curl -sS -X POST " + api + "/messages -H \"Authorization: Bearer $ALICE\" " + json
                        + " -d \"{\\\"conversation_id\\\":\\\"$CONV\\\",\\\"content\\\":\\\"Hello Bob\\\"}\"; echo",
                "");
    }

    /** Runs until the JVM is told to stop; says so when a process dies meanwhile. */
    private static void watch(ChatStack stack) throws InterruptedException {
        Set<String> reported = new HashSet<>();
        while (true) {
            for (Map.Entry<String, Integer> exited : stack.exited().entrySet()) {
                boolean signalled = exited.getValue() == 130 || exited.getValue() == 143; // Ctrl-C reached it too
                if (!signalled && reported.add(exited.getKey())) {
                    System.out.println("chat: " + exited.getKey() + " exited with code " + exited.getValue()
                            + "; see " + stack.logDir().resolve(exited.getKey() + ".log")
                            + " (Ctrl-C and ./chat up again to restart)");
                }
            }
            Thread.sleep(2000);
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
