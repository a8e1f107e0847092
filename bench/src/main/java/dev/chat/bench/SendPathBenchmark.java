package dev.chat.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.chat.devstack.ChatStack;

/**
 * The send path benchmark (docs/benchmarks.md, "Send path"): starts the system as production runs it,
 * measures the ceilings (the send transaction on PostgreSQL, a Kafka round trip), then runs the
 * scenarios and prints each figure beside its ceiling, with the CPU every component used per message.
 *
 * <pre>
 * ./chat bench send                                  # every scenario (about 6 minutes)
 * ./chat bench send --scenarios=latency,gateway --duration=30s
 * ./chat bench send --scenarios=saturation --warmup=20s --step=10s
 * </pre>
 */
public final class SendPathBenchmark {

    private SendPathBenchmark() {
    }

    /**
     * Options: --scenarios=sustained,latency,gateway,saturation --duration=60s --conversations=300 --rate=3000,
     * --step=15s (each rate of the saturation curve), --saturation-rates=250,500,...
     */
    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parseOrExit(args, "scenarios", "duration", "conversations", "rate", "rates",
                "warmup-rate", "warmup", "step", "saturation-rates");
        List<String> scenarios = options.list("scenarios", "sustained,latency,gateway,saturation");
        Duration duration = options.duration("duration", "60s");
        int conversations = options.integer("conversations", 300);
        double rate = options.decimal("rate", 3000);
        double warmupRate = options.decimal("warmup-rate", 100);
        Duration warmup = options.duration("warmup", "60s");
        Duration step = options.duration("step", "15s");
        double[] rates = options.decimals("rates", Long.toString((long) rate));
        List<String> unknown = scenarios.stream()
                .filter(s -> !List.of("sustained", "rate", "latency", "gateway", "saturation").contains(s)).toList();
        if (!unknown.isEmpty()) {
            System.err.println("bench: unknown scenarios " + unknown + "; known: sustained, rate, latency, gateway, saturation");
            System.exit(2);
        }
        double[] saturationRates = options.decimals("saturation-rates", "250,500,1000,1500,2000,2500,3000,4000");
        Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize();

        Report report = new Report();
        report.line("# Send path benchmark, " + Instant.now());
        report.line("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + Runtime.version());
        try (ChatStack stack = BenchStack.start(root, loadEnvironment(), 1)) {
            Tokens tokens = new Tokens(stack.jwtSecret());
            report.line("");
            report.line("## Ceilings (same machine, same run)");
            Ceilings.Database db = Ceilings.database(stack.postgresJdbcUrl(), stack.postgresUser(), stack.postgresPassword(),
                    8, Duration.ofSeconds(10));
            Ceilings.Broker broker = Ceilings.broker(stack.kafkaBootstrapServers(), 5000, 1000);
            report.line(String.format(Locale.ROOT, "- PostgreSQL, the send transaction (seq + message + outbox, 8 connections, durable): %,.0f tx/s, p50 %.2f ms, p99 %.2f ms",
                    db.transactionsPerSecond(), db.p50Ms(), db.p99Ms()));
            report.line(String.format(Locale.ROOT, "- Kafka produce -> consume round trip (1 KB, acks=all, linger 0, 1,000/s): p50 %.2f ms, p99 %.2f ms",
                    broker.p50Ms(), broker.p99Ms()));

            URI gatewayApi = stack.gatewayUrl();
            URI gatewayWs = stack.gatewayWebSocketUrl();
            URI directApi = stack.serviceUrl("message-service");
            URI directWs = URI.create(stack.serviceUrl("websocket-service").toString().replace("http://", "ws://") + "/ws");

            // warm the JIT of every component before anything is measured (at a rate the system sustains, so the
            // warm-up exercises the normal paths, not timeouts)
            run(stack, tokens, new SendLoad.Config(50, warmupRate, Duration.ofSeconds(5), warmup, gatewayApi, gatewayWs, true));

            for (String scenario : scenarios) {
                switch (scenario) {
                    case "sustained" -> {
                        Measured m = run(stack, tokens, new SendLoad.Config(conversations, rate, Duration.ofSeconds(10),
                                duration, gatewayApi, gatewayWs, true));
                        report.scenario("1. Sustained durable sends: " + conversations + " senders, target " + (long) rate
                                + " msg/s, " + duration.toSeconds() + " s, through the gateway, receivers ack", m, db, broker);
                    }
                    case "rate" -> {
                        // any rates: --rates=100,200 --conversations --duration (profiling, what-ifs)
                        for (double custom : rates) {
                            Measured m = run(stack, tokens, new SendLoad.Config(conversations, custom, Duration.ofSeconds(5),
                                    duration, gatewayApi, gatewayWs, true));
                            report.scenario("Custom: " + (long) custom + " msg/s, " + conversations
                                    + " senders, through the gateway", m, db, broker);
                        }
                    }
                    case "latency" -> {
                        Measured m = run(stack, tokens, new SendLoad.Config(50, 500, Duration.ofSeconds(5), duration,
                                gatewayApi, gatewayWs, true));
                        report.scenario("2. Latency at 500 msg/s (50 senders, through the gateway)", m, db, broker);
                    }
                    case "gateway" -> {
                        Measured via = run(stack, tokens, new SendLoad.Config(50, 500, Duration.ofSeconds(5), duration,
                                gatewayApi, gatewayWs, true));
                        Measured direct = run(stack, tokens, new SendLoad.Config(50, 500, Duration.ofSeconds(5), duration,
                                directApi, directWs, true));
                        report.scenario("3a. 500 msg/s through the gateway", via, db, broker);
                        report.scenario("3b. 500 msg/s straight to message-service and the websocket node", direct, db, broker);
                        report.line(String.format(Locale.ROOT, "- gateway cost, POST -> frame p50: %.2fx, p99: %.2fx (target <= 1.5x)",
                                via.result().delivery().p50() / direct.result().delivery().p50(),
                                via.result().delivery().p99() / direct.result().delivery().p99()));
                    }
                    case "saturation" -> {
                        report.line("");
                        report.line("## 4. Saturation curve (through the gateway, 300 senders, " + step.toSeconds() + " s per step)");
                        report.line("Past the knee sends are shed: 503 `overloaded` with `Retry-After`, by the gateway or "
                                + "message-service, before any work (nothing stored); they are counted apart and not retried. "
                                + "POST -> 201 and POST -> frame are the admitted sends'; the 201 and shed counts include the step's 3 s warm-up.");
                        report.line("");
                        report.line("| rate (msg/s) | achieved | 201 | shed (503 overloaded) | POST -> 201 p50 / p99 ms | POST -> 503 p50 / p99 ms | Retry-After s | POST -> frame p50 / p99 ms | other non-201 | timeouts / errors | received once, in order |");
                        report.line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
                        for (double stepRate : saturationRates) {
                            Measured m = run(stack, tokens, new SendLoad.Config(300, stepRate,
                                    Duration.ofSeconds(3), step, gatewayApi, gatewayWs, true));
                            report.saturationRow(m);
                            if (m.result().shedShare() > 0.5 || (m.result().shed() == 0 && m.result().delivery().p99() > 2000)) {
                                break; // far past the knee: the next steps only shed more, or (not shedding) pile up more
                            }
                        }
                    }
                    default -> report.line("unknown scenario " + scenario);
                }
            }
        }
        Path out = root.resolve("bench/target/send-path-results.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.text());
        System.out.println();
        System.out.println(report.text());
        System.out.println("(written to " + out + ")");
    }

    /**
     * Per-user send limit raised for the run (the default 10/s would cap 300 senders at 3,000/s exactly): the
     * gateway's per-replica shield and message-service's shared limit.
     */
    static Map<String, String> loadEnvironment() {
        return Map.of(
                "CHAT_MESSAGES_RATE_LIMIT_CAPACITY", "1000",
                "CHAT_MESSAGES_RATE_LIMIT_REFILL_PER_SECOND", "1000",
                "CHAT_GATEWAY_RATE_LIMITS_RULES_SEND_MESSAGE_CAPACITY", "1000",
                "CHAT_GATEWAY_RATE_LIMITS_RULES_SEND_MESSAGE_REFILL_PER_SECOND", "1000",
                "CHAT_GATEWAY_RATE_LIMITS_RULES_API_CAPACITY", "1000",
                "CHAT_GATEWAY_RATE_LIMITS_RULES_API_REFILL_PER_SECOND", "1000",
                "CHAT_GATEWAY_RATE_LIMITS_RULES_WEBSOCKET_CONNECT_CAPACITY", "1000");
    }

    record Measured(SendLoad.Result result, Map<String, Duration> cpu, double seconds) {
    }

    private static int runs;

    /** Runs one scenario; CPU and (with -Dbench.jfr) the profiles cover its measured window only. */
    static Measured run(ChatStack stack, Tokens tokens, SendLoad.Config config) throws Exception {
        Profiler profiler = new Profiler(Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath());
        String label = "run" + (++runs) + "-" + (long) config.ratePerSecond();
        Map<String, Duration>[] before = new Map[1];
        long[] start = new long[1];
        SendLoad.Result result = new SendLoad(config, tokens).run(() -> {
            before[0] = Cpu.sample(stack.processes());
            start[0] = System.nanoTime();
            profiler.start(stack.processes());
        }, () -> profiler.stop(stack.processes(), label));
        double seconds = (System.nanoTime() - start[0]) / 1e9;
        Map<String, Duration> cpu = Cpu.between(before[0], Cpu.sample(stack.processes()));
        return new Measured(result, cpu, seconds);
    }

    /** The results page, in Markdown. */
    static final class Report {
        private final StringBuilder text = new StringBuilder();

        void line(String line) {
            text.append(line).append('\n');
            System.out.println(line);
        }

        void scenario(String title, Measured m, Ceilings.Database db, Ceilings.Broker broker) {
            SendLoad.Result r = m.result();
            line("");
            line("## " + title);
            line(String.format(Locale.ROOT, "- achieved %,.0f msg/s = %.3f of the database's send-transaction rate (%,.0f tx/s)",
                    r.achievedRate(), r.achievedRate() / db.transactionsPerSecond(), db.transactionsPerSecond()));
            line(String.format(Locale.ROOT, "- POST -> 201 (admitted sends): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.0f ms",
                    r.post().p50(), r.post().p99(), r.post().p999(), r.post().max()));
            if (r.shed() > 0) {
                line(String.format(Locale.ROOT, "- shed (503 overloaded, nothing stored): %,d = %.1f %% of the sends, answered in p50 %.1f ms, p99 %.1f ms, Retry-After %d..%d s",
                        r.shed(), 100 * r.shedShare(), r.shedAnswer().p50(), r.shedAnswer().p99(), r.retryAfterMin(),
                        r.retryAfterMax()));
            }
            line(String.format(Locale.ROOT, "- POST -> receiver's frame: p50 %.1f ms (%.1fx the Kafka round trip), p99 %.1f ms (%.1fx), p99.9 %.1f ms",
                    r.delivery().p50(), r.delivery().p50() / broker.p50Ms(), r.delivery().p99(),
                    r.delivery().p99() / broker.p99Ms(), r.delivery().p999()));
            line(String.format(Locale.ROOT, "- sent %,d, 201 %,d, shed %,d, other %s, timeouts %d, errors %d; received %,d, duplicates %d, out of order %d, missing %d: %s",
                    r.sent(), r.created(), r.shed(), r.otherStatuses(), r.timeouts(), r.errors(), r.received(), r.duplicates(),
                    r.outOfOrder(), r.missing(), r.correct() ? "every message once, in order" : "NOT CORRECT"));
            cpu(m);
        }

        void saturationRow(Measured m) {
            SendLoad.Result r = m.result();
            line(String.format(Locale.ROOT, "| %,.0f | %,.0f | %,d | %,d (%.1f %%) | %.1f / %.1f | %s | %s | %.1f / %.1f | %s | %d / %d | %s |",
                    r.config().ratePerSecond(), r.achievedRate(), r.created(), r.shed(), 100 * r.shedShare(), r.post().p50(),
                    r.post().p99(), r.shed() == 0 ? "-" : String.format(Locale.ROOT, "%.1f / %.1f", r.shedAnswer().p50(), r.shedAnswer().p99()),
                    r.shed() == 0 ? "-" : r.retryAfterMin() + ".." + r.retryAfterMax(), r.delivery().p50(), r.delivery().p99(),
                    r.otherStatuses().isEmpty() ? "none" : r.otherStatuses().toString(), r.timeouts(), r.errors(),
                    r.correct() ? "yes" : "no"));
        }

        private void cpu(Measured m) {
            long messages = Math.max(1, m.result().created());
            List<String> parts = new ArrayList<>();
            double total = 0;
            for (Map.Entry<String, Duration> e : m.cpu().entrySet()) {
                double perMessageMs = e.getValue().toNanos() / 1e6 / messages;
                total += e.getKey().equals("load generator") ? 0 : perMessageMs;
                parts.add(String.format(Locale.ROOT, "%s %.3f", e.getKey(), perMessageMs));
            }
            double generatorCores = m.cpu().getOrDefault("load generator", Duration.ZERO).toNanos() / 1e9 / m.seconds();
            line(String.format(Locale.ROOT, "- CPU ms per message: %s; the system in all %.3f ms (%.0f msg/s per core); load generator %.2f cores",
                    String.join(", ", parts), total, 1000 / total, generatorCores));
        }

        String text() {
            return text.toString();
        }
    }

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
    }
}
