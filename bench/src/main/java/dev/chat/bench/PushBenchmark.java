package dev.chat.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.chat.devstack.ChatStack;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The push benchmark (docs/benchmarks.md, "Push throughput"): the system as production runs it (BenchStack:
 * the images' JVM flags and limits), notification-service pushing to fake FCM and APNs that answer every push
 * after 50 ms, and {@code message.created} events written to {@code chat.events} at a steady rate for
 * recipients who never ack. Prints pushes/s beside its ceilings (the rate offered, and what the providers'
 * latency allows with the configured concurrency), the lateness of pushes after their deadline, correctness
 * (each push once), CPU per push of every component and notification-service's memory.
 *
 * <pre>
 * ./chat bench push                                   # 600 messages/s = 1,200 pushes/s offered, 60 s
 * ./chat bench push --rate=1000 --duration=30s --warmup=60s --users=2000 --delay=50ms --gc=g1
 * BENCH_JAVA_OPTS=-Dbench.jfr=notification-service ./chat bench push   # and a JFR profile of the measured run
 * </pre>
 */
public final class PushBenchmark {

    private static final Duration GRACE = Duration.ofSeconds(2);

    private PushBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parseOrExit(args, "rate", "duration", "users", "delay", "warmup", "gc");
        double rate = options.decimal("rate", 600);
        Duration duration = options.duration("duration", "60s");
        int users = options.integer("users", 1000);
        Duration delay = options.duration("delay", "50ms");
        Duration warmup = options.duration("warmup", "60s");
        // --gc=g1: notification-service with G1 instead of the image's collector (same heap), for comparison
        boolean g1 = "g1".equalsIgnoreCase(options.text("gc", "image"));
        Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize();

        StringBuilder report = new StringBuilder();
        line(report, "# Push benchmark, " + Instant.now());
        line(report, "machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + Runtime.version());
        try (PushFakes fakes = new PushFakes(root.resolve("bench/target/push-fakes"), delay);
                ChatStack stack = BenchStack.start(root, fakes.environment(), 1, module -> jvmOptions(module, g1))) {
            // the websocket node reads every event of chat.events too, and would deliver these to nobody: it is not
            // on the push path, and on a 2-core machine its CPU would be taken from the service measured here
            for (String node : stack.webSocketNodes()) {
                stack.kill(node);
            }
            Tokens tokens = new Tokens(stack.jwtSecret());
            URI service = stack.serviceUrl("notification-service");
            Map<String, String> settings = inFlightWindows();
            line(report, "notification-service JVM: " + String.join(" ", jvmOptions("notification-service", g1)));
            line(report, "fake providers answer after " + delay.toMillis() + " ms; grace period " + GRACE.toSeconds()
                    + " s; FCM max in flight " + settings.get("fcm") + ", APNs max in flight " + settings.get("apns"));

            // warm-up at the same rate (the JIT of every component, with the image's one processor, takes a while;
            // the providers' connections), until its last push arrived: the measured run starts with no backlog
            PushLoad.Result warm = new PushLoad(new PushLoad.Config(users, rate, warmup, Duration.ZERO, GRACE,
                    Duration.ofSeconds(120)), service, stack.kafkaBootstrapServers(), tokens, fakes).run();
            line(report, String.format(Locale.ROOT, "warm-up: %d s at %,.0f messages/s, %,d of %,d pushes arrived, "
                    + "duplicates %d (not measured)", warmup.toSeconds(), rate, warm.pushes(), warm.expectedPushes(),
                    warm.duplicates()));

            // -Dbench.jfr=notification-service: a profile of the measured run
            Profiler profiler = new Profiler(root);
            profiler.start(stack.processes());
            Map<String, Duration> before = Cpu.sample(stack.processes());
            long pushesBefore = fakes.pushes();
            long fcmBefore = fakes.fcmPushes();
            long start = System.nanoTime();
            PushLoad.Result r = new PushLoad(new PushLoad.Config(users, rate, duration, Duration.ofSeconds(5), GRACE,
                    Duration.ofSeconds(60)), service, stack.kafkaBootstrapServers(), tokens, fakes).run();
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Duration> cpu = Cpu.between(before, Cpu.sample(stack.processes()));
            profiler.stop(stack.processes(), "push");
            long pushes = fakes.pushes() - pushesBefore;
            long fcmPushes = fakes.fcmPushes() - fcmBefore;

            int fcmInFlight = Integer.parseInt(settings.get("fcm"));
            int apnsInFlight = Integer.parseInt(settings.get("apns"));
            double perSecondEach = 1000.0 / delay.toMillis();
            double fcmCeiling = fcmInFlight * perSecondEach;
            double apnsCeiling = apnsInFlight * perSecondEach;
            // half the pushes go to each provider: the slower one's window bounds the total at twice its rate
            double providerCeiling = 2 * Math.min(fcmCeiling, apnsCeiling);
            line(report, "");
            line(report, String.format(Locale.ROOT, "## %,d recipients x 2 devices, %,.0f messages/s for %d s (%,.0f pushes/s offered)",
                    users, rate, duration.toSeconds(), r.offeredPushesPerSecond()));
            line(report, String.format(Locale.ROOT, "- achieved %,.0f pushes/s (steady state, after a 5 s warm-up) | ceilings: offered %,.0f/s; "
                    + "provider windows %,.0f/s (FCM %d in flight / %d ms = %,.0f/s, APNs %d / %d ms = %,.0f/s); target >= 1,000/s",
                    r.achievedPushesPerSecond(), r.offeredPushesPerSecond(), providerCeiling, fcmInFlight, delay.toMillis(),
                    fcmCeiling, apnsInFlight, delay.toMillis(), apnsCeiling));
            line(report, String.format(Locale.ROOT, "- lateness (the provider received the push this long after its deadline, "
                    + "event written + %d s): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms | floor: up to one %d ms "
                    + "decision tick + the %d ms provider answer", GRACE.toSeconds(), r.latenessMs(50), r.latenessMs(99),
                    r.latenessMs(99.9), r.latenessMs(100), 100, delay.toMillis()));
            line(report, String.format(Locale.ROOT, "- %,d messages, %,d pushes expected, %,d received (FCM %,d, APNs %,d), duplicates %d, missing %d: %s",
                    r.messages(), r.expectedPushes(), pushes, fcmPushes, pushes - fcmPushes, r.duplicates(), r.missing(),
                    r.correct() ? "every push exactly once" : "NOT CORRECT"));
            List<String> parts = new ArrayList<>();
            double system = 0;
            for (Map.Entry<String, Duration> e : cpu.entrySet()) {
                double perPush = e.getValue().toNanos() / 1e6 / Math.max(1, pushes);
                if (!e.getKey().equals("load generator")) {
                    system += perPush;
                }
                parts.add(String.format(Locale.ROOT, "%s %.3f", e.getKey(), perPush));
            }
            double notificationCores = cpu.getOrDefault("notification-service", Duration.ZERO).toNanos() / 1e9 / seconds;
            line(report, String.format(Locale.ROOT, "- CPU ms per push: %s; the system in all %.3f ms | notification-service used %.2f cores "
                    + "of %d (its image's limit: 1 CPU)", String.join(", ", parts), system, notificationCores,
                    Runtime.getRuntime().availableProcessors()));
            line(report, "- notification-service memory: " + memory(stack.processes().get("notification-service")));
            line(report, "- decision: " + decisionFigures(service, tokens));
            if (!r.correct()) {
                // what the service is doing with what it has not sent: its threads, twice, 5 s apart
                ProcessHandle notification = stack.processes().get("notification-service");
                for (int i = 1; i <= 2; i++) {
                    Path dump = root.resolve("bench/target/push-notification-threads-" + i + ".txt");
                    Files.writeString(dump, Jcmd.run(notification, "Thread.print"));
                    line(report, "- decision " + i + ": " + decisionFigures(service, tokens) + " (threads: " + dump + ")");
                    Thread.sleep(5000);
                }
            }
        }
        Path out = root.resolve("bench/target/push-results.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        System.out.println("(written to " + out + ")");
    }

    /** The image's flags; with {@code g1}, notification-service's collector is G1 instead. */
    static List<String> jvmOptions(String module, boolean g1) {
        List<String> options = new ArrayList<>(BenchStack.productionJvmOptions(module));
        if (g1 && module.equals("notification-service")) {
            options.replaceAll(option -> option.equals("-XX:+UseSerialGC") ? "-XX:+UseG1GC" : option);
            if (!options.contains("-XX:+UseG1GC")) {
                options.add(0, "-XX:+UseG1GC");
            }
        }
        return options;
    }

    /** The service's in-flight windows: its defaults, or what this environment (which the services inherit) sets. */
    private static Map<String, String> inFlightWindows() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("fcm", System.getenv().getOrDefault("CHAT_PUSH_FCM_MAX_CONCURRENCY", "100"));
        settings.put("apns", System.getenv().getOrDefault("CHAT_PUSH_APNS_MAX_CONCURRENCY", "1000"));
        return settings;
    }

    /** Decision lag (max) and what is still pending, from the service's metrics. */
    private static String decisionFigures(URI service, Tokens tokens) {
        try {
            return String.format(Locale.ROOT, "decision lag max %.0f ms (chat.push.decision.lag), pending now %.0f "
                    + "(of which handed to the dispatcher %.0f; pushes waiting for a request slot: FCM %.0f, APNs %.0f); "
                    + "failed attempts %.0f, retried %.0f, dead-lettered %.0f (whole run, warm-up included)",
                    metric(service, tokens, "chat.push.decision.lag", "MAX") * 1000, metric(service, tokens, "chat.push.pending", "VALUE"),
                    metric(service, tokens, "chat.push.in_flight", "VALUE"),
                    metric(service, tokens, "chat.push.queued?tag=provider:fcm", "VALUE"),
                    metric(service, tokens, "chat.push.queued?tag=provider:apns", "VALUE"),
                    metric(service, tokens, "chat.push.failed", "COUNT"), metric(service, tokens, "chat.push.retried", "COUNT"),
                    metric(service, tokens, "chat.push.dead_lettered", "COUNT"));
        } catch (Exception e) {
            return "metrics not readable: " + e;
        }
    }

    /** A statistic of a service's metric ({@code /actuator/metrics/<name>}, with an operator's token); 0 when not registered. */
    static double metric(URI service, Tokens tokens, String name, String statistic) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(service.resolve("/actuator/metrics/" + name))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + tokens.token("bench-operator", Duration.ofMinutes(5))).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json = JsonMapper.builder().build().readTree(response.body());
        for (JsonNode m : json.path("measurements")) {
            if (statistic.equals(m.path("statistic").asString(""))) {
                return m.path("value").asDouble();
            }
        }
        return 0; // not registered: nothing of the kind happened
    }

    /** Resident memory of the process (Linux /proc), and its heap limit. */
    static String memory(ProcessHandle process) {
        if (process == null) {
            return "not running";
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
                    return line.replaceAll("\\s+", " ") + (line.startsWith("VmHWM") ? " (peak RSS)" : "");
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown on this OS";
    }

    private static void line(StringBuilder report, String line) {
        report.append(line).append('\n');
        System.out.println(line);
    }
}
