package dev.chat.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.chat.devstack.ChatStack;

/**
 * Connections and fan-out (docs/benchmarks.md): idle capacity (heap per connection after a full GC,
 * RSS, connect rate), straight to a websocket node and through the gateway; and fan-out of one message
 * to a large group with every member connected to one node. Each figure is printed beside the Node
 * {@code ws} peer's, measured on the same kind of machine with the same generator (issue 10).
 *
 * <pre>
 * ./chat bench connections [--counts=1000,5000,15000] [--gateway-counts=1000,5000]
 * ./chat bench fanout [--members=10000] [--messages=30]
 * </pre>
 */
public final class ConnectionsBenchmark {

    /** The {@code ws} peer: heap per idle connection, connections accepted per second, 10k broadcast. */
    static final double PEER_HEAP_KB = 2.9;
    static final double PEER_CONNECTS_PER_SECOND = 4087;
    static final double PEER_FANOUT_10K_MS = 123;

    /** Connections opened and closed before each measurement (-Dbench.warmup-connects). */
    static final int WARMUP_CONNECTS = Integer.getInteger("bench.warmup-connects", 3000);

    /**
     * The connect-rate buckets' idle expiry in this benchmark (production: 10 min): the node keeps one per user who
     * upgraded recently, and every session here is such a user, so the last step is measured again once they have
     * expired, as the heap of sessions idle for longer than that (the warm-up's have expired before the baseline).
     */
    static final Duration BUCKET_IDLE_EXPIRY = Duration.ofSeconds(15);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ConnectionsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "connections";
        String[] rest = args.length > 0 && !args[0].startsWith("--") ? Arrays.copyOfRange(args, 1, args.length) : args;
        boolean fanout = mode.equals("fanout");
        BenchOptions options = fanout ? BenchOptions.parseOrExit(rest, "members", "messages")
                : BenchOptions.parseOrExit(rest, "counts", "gateway-counts");
        int members = fanout ? options.integer("members", 10000) : 0;
        int messages = fanout ? options.integer("messages", 30) : 0;
        int[] counts = fanout ? null : options.integers("counts", "1000,5000,15000");
        int[] gatewayCounts = fanout ? null : options.integers("gateway-counts", "1000,5000");
        Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize();
        SendPathBenchmark.Report report = new SendPathBenchmark.Report();
        report.line("# " + (fanout ? "Fan-out" : "Connections") + " benchmark, " + Instant.now());
        report.line("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version()
                + "; services with their images' JVM flags and Kubernetes-limit heaps");
        Map<String, String> env = new java.util.HashMap<>(SendPathBenchmark.loadEnvironment());
        if (!fanout) {
            env.put("CHAT_WS_CONNECT_RATE_IDLE_EXPIRY", BUCKET_IDLE_EXPIRY.toSeconds() + "s");
        }
        try (ChatStack stack = BenchStack.start(root, env, 1)) {
            if (fanout) {
                fanout(stack, report, members, messages);
            } else {
                connections(stack, report, counts, gatewayCounts, BUCKET_IDLE_EXPIRY);
            }
        }
        Path out = root.resolve("bench/target/" + mode + "-results.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.text());
        System.out.println("(written to " + out + ")");
    }

    static URI nodeWebSocket(ChatStack stack) {
        return URI.create(stack.serviceUrl("websocket-service").toString().replace("http://", "ws://") + "/ws");
    }

    /** One measured count: sessions connected, failed, connects/s, heap per session after GC (node; gateway or NaN). */
    record IdleRow(int count, int ready, int failed, double connectsPerSecond, double nodeKb, double gatewayKb) {
    }

    /** One fan-out run: sockets connected, messages that did not reach them all, duplicates, reorders, last p50. */
    record Fanout(int connected, int incomplete, long duplicates, long outOfOrder, double lastP50Ms, double lastP99Ms) {
    }

    /** Idle capacity: straight to the node, then through the gateway. */
    static List<IdleRow> connections(ChatStack stack, SendPathBenchmark.Report report, int[] direct, int[] viaGateway)
            throws Exception {
        return connections(stack, report, direct, viaGateway, null);
    }

    /**
     * @param bucketExpiry the node's connect-rate bucket idle expiry, to wait for before the baselines and after the
     *                     last direct step (measured again then); null: no waiting
     */
    static List<IdleRow> connections(ChatStack stack, SendPathBenchmark.Report report, int[] direct, int[] viaGateway,
            Duration bucketExpiry) throws Exception {
        Tokens tokens = new Tokens(stack.jwtSecret());
        ProcessHandle node = stack.processes().get("websocket-service");
        ProcessHandle gateway = stack.processes().get("gateway-service");
        report.line("");
        report.line("## Idle connections straight to a websocket node");
        report.line("| sessions | opened in this step / failed | connects/s (x ws peer) | node heap after GC per session KB (x ws peer) | marginal KB per session since the previous step | node RSS MB | CPU ms per connect | generator cores |");
        report.line("| --- | --- | --- | --- | --- | --- | --- | --- |");
        List<IdleRow> rows = new ArrayList<>(measure(report, tokens, nodeWebSocket(stack), direct, stack.processes(), node, null,
                "direct", bucketExpiry));
        report.line("");
        report.line("## Idle connections through the gateway (two sockets per client in the gateway)");
        report.line("| sessions | opened in this step / failed | connects/s (x ws peer) | gateway heap per connection KB | node heap per session KB | gateway RSS MB | CPU ms per connect |");
        report.line("| --- | --- | --- | --- | --- | --- | --- |");
        rows.addAll(measure(report, tokens, stack.gatewayWebSocketUrl(), viaGateway, stack.processes(), node, gateway,
                "gateway", bucketExpiry));
        return rows;
    }

    private static List<IdleRow> measure(SendPathBenchmark.Report report, Tokens tokens, URI url, int[] counts,
            Map<String, ProcessHandle> processes, ProcessHandle node, ProcessHandle gateway, String label,
            Duration bucketExpiry) throws Exception {
        List<IdleRow> rows = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 6);
        // warm the connect path's code (JIT) first: a cold node spends most of its first connects compiling
        try (Sockets warm = new Sockets()) {
            warm.open(url, IntStream.range(0, WARMUP_CONNECTS).mapToObj(i -> tokens.token("warm-" + run + "-" + i,
                    Duration.ofHours(2))).toList(), 256, Duration.ofMinutes(2), null);
        }
        // the warm-up's sessions close; with bucketExpiry, their users' connect-rate buckets expire too
        Duration settle = bucketExpiry == null ? Duration.ofSeconds(3) : bucketExpiry.plusSeconds(5);
        Thread.sleep(settle.toMillis());
        Jcmd.Histogram nodeBefore = Jcmd.liveHeap(node);
        Jcmd.Histogram gatewayBefore = gateway == null ? null : Jcmd.liveHeap(gateway);
        Jcmd.Histogram previous = null;
        int previousCount = 0;
        try (Sockets sockets = new Sockets()) {
            for (int count : counts) {
                int more = count - sockets.size();
                if (more <= 0) {
                    continue;
                }
                List<String> batch = IntStream.range(sockets.size(), count)
                        .mapToObj(i -> tokens.token("idle-" + run + "-" + i, Duration.ofHours(2))).toList();
                long cpuBefore = cpuNanos();
                long started = System.nanoTime();
                Map<String, Duration> stackBefore = Cpu.sample(processes);
                Sockets.Opened opened = sockets.open(url, batch, 256, Duration.ofMinutes(3), null);
                Map<String, Duration> stackCpu = Cpu.between(stackBefore, Cpu.sample(processes));
                String perConnect = stackCpu.entrySet().stream()
                        .filter(e -> !e.getKey().equals("load generator") && e.getValue().toMillis() > 0)
                        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey().replace("-service", ""),
                                e.getValue().toNanos() / 1e6 / Math.max(1, opened.ready())))
                        .collect(Collectors.joining(", "));
                double generatorCores = (cpuNanos() - cpuBefore) / (double) (System.nanoTime() - started);
                Jcmd.Histogram nodeNow = Jcmd.liveHeap(node);
                double nodeKb = (nodeNow.totalBytes() - nodeBefore.totalBytes()) / 1024.0 / count;
                double marginalKb = previous == null ? nodeKb
                        : (nodeNow.totalBytes() - previous.totalBytes()) / 1024.0 / (count - previousCount);
                previous = nodeNow;
                previousCount = count;
                Files.writeString(targetDir().resolve("heap-" + label + "-node-" + count + ".txt"),
                        profile(nodeNow.growthSince(nodeBefore, 200), count));
                double gatewayKb = Double.NaN;
                if (gateway == null) {
                    report.line(String.format(Locale.ROOT, "| %,d | %,d / %,d | %,.0f (%.2fx) | %.1f (%.2fx) | %.1f | %,.0f | %s | %.2f |",
                            count, opened.ready(), opened.failed(), opened.perSecond(),
                            opened.perSecond() / PEER_CONNECTS_PER_SECOND, nodeKb, nodeKb / PEER_HEAP_KB,
                            marginalKb, Jcmd.rss(node) / 1e6, perConnect, generatorCores));
                } else {
                    Jcmd.Histogram gatewayNow = Jcmd.liveHeap(gateway);
                    gatewayKb = (gatewayNow.totalBytes() - gatewayBefore.totalBytes()) / 1024.0 / count;
                    Files.writeString(targetDir().resolve("heap-" + label + "-gateway-" + count + ".txt"),
                            profile(gatewayNow.growthSince(gatewayBefore, 200), count));
                    report.line(String.format(Locale.ROOT, "| %,d | %,d / %,d | %,.0f (%.2fx) | %.1f | %.1f | %,.0f | %s |",
                            count, opened.ready(), opened.failed(), opened.perSecond(),
                            opened.perSecond() / PEER_CONNECTS_PER_SECOND, gatewayKb, nodeKb, Jcmd.rss(gateway) / 1e6,
                            perConnect));
                }
                rows.add(new IdleRow(count, opened.ready(), opened.failed(), opened.perSecond(), nodeKb, gatewayKb));
            }
            if (bucketExpiry != null && gateway == null && previousCount > 0) {
                // the same sessions, idle for longer than the buckets of their users' upgrades are kept
                Thread.sleep(settle.toMillis());
                Jcmd.Histogram nodeIdle = Jcmd.liveHeap(node);
                double idleKb = (nodeIdle.totalBytes() - nodeBefore.totalBytes()) / 1024.0 / previousCount;
                Files.writeString(targetDir().resolve("heap-" + label + "-node-" + previousCount + "-idle.txt"),
                        profile(nodeIdle.growthSince(nodeBefore, 200), previousCount));
                report.line(String.format(Locale.ROOT,
                        "| %,d, %d s later (their users' connect-rate buckets expired) | - | - | %.1f (%.2fx) | - | %,.0f | - | - |",
                        previousCount, settle.toSeconds(), idleKb, idleKb / PEER_HEAP_KB,
                        Jcmd.rss(node) / 1e6));
            }
        }
        // the node notices the closed sockets; give it a moment before the next measurement's baseline
        Thread.sleep(3_000);
        return rows;
    }

    private static Path targetDir() throws java.io.IOException {
        Path dir = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize().resolve("bench/target");
        Files.createDirectories(dir);
        return dir;
    }

    private static String profile(Map<String, Long> growth, int sessions) {
        return growth.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%10.0f B/session  %s", (double) e.getValue() / sessions, e.getKey()))
                .collect(Collectors.joining("\n", "heap growth by class, per session (" + sessions + " sessions)\n", "\n"));
    }

    /** One message at a time to a group of {@code members}, every member connected straight to the node. */
    static Fanout fanout(ChatStack stack, SendPathBenchmark.Report report, int members, int messages) throws Exception {
        Tokens tokens = new Tokens(stack.jwtSecret());
        String run = UUID.randomUUID().toString().substring(0, 6);
        String owner = "fan-owner-" + run;
        String ownerToken = tokens.token(owner, Duration.ofHours(2));
        List<String> ids = IntStream.range(0, members).mapToObj(i -> "fan-" + run + "-" + i).toList();
        HttpClient http = HttpClient.newHttpClient();
        URI api = stack.gatewayUrl();
        String group = post(http, api, ownerToken, "/api/v1/conversations", Map.of("type", "group", "title", "everyone",
                "participant_ids", ids.subList(0, Math.min(1000, members)))).get("id").asString();
        for (int from = 1000; from < members; from += 1000) {
            post(http, api, ownerToken, "/api/v1/conversations/" + group + "/participants",
                    Map.of("user_ids", ids.subList(from, Math.min(members, from + 1000))));
        }
        int warmup = 5;
        long[][] arrivals = new long[messages + warmup + 1][members];
        AtomicInteger[] counts = IntStream.rangeClosed(0, messages + warmup).mapToObj(i -> new AtomicInteger())
                .toArray(AtomicInteger[]::new);
        AtomicLong duplicates = new AtomicLong();
        AtomicLong outOfOrder = new AtomicLong();
        long[] lastSeq = new long[members];
        try (Sockets sockets = new Sockets()) {
            Sockets.Opened opened = sockets.open(nodeWebSocket(stack),
                    ids.stream().map(id -> tokens.token(id, Duration.ofHours(2))).toList(), 256, Duration.ofMinutes(3),
                    (client, frame) -> {
                        String text = frame.text();
                        if (!text.contains("\"message.created\"")) {
                            return;
                        }
                        int at = text.indexOf("\"seq\":") + 6;
                        long seq = 0;
                        for (; at < text.length() && Character.isDigit(text.charAt(at)); at++) {
                            seq = seq * 10 + (text.charAt(at) - '0');
                        }
                        synchronized (lastSeq) {
                            if (seq <= lastSeq[client]) {
                                duplicates.incrementAndGet();
                                return;
                            }
                            if (seq != lastSeq[client] + 1) {
                                outOfOrder.incrementAndGet();
                            }
                            lastSeq[client] = seq;
                        }
                        if (seq < arrivals.length) {
                            arrivals[(int) seq][client] = frame.receivedNanos();
                            counts[(int) seq].incrementAndGet();
                        }
                    });
            report.line("");
            report.line(String.format(Locale.ROOT, "## Fan-out: one message to a %,d-member group, every member connected "
                    + "straight to one node (%,d connected, %,d failed)", members, opened.ready(), opened.failed()));
            List<Double> first = new ArrayList<>();
            List<Double> last = new ArrayList<>();
            List<Double> postMs = new ArrayList<>();
            int incomplete = 0;
            long cpuBefore = cpuNanos();
            long windowStart = System.nanoTime();
            Map<String, Duration> stackBefore = Cpu.sample(stack.processes());
            // -Dbench.jfr=websocket-service: a profile of the measured window
            Profiler profiler = new Profiler(Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath());
            profiler.start(stack.processes());
            for (int i = 1; i <= messages + warmup; i++) {
                long t0 = System.nanoTime();
                JsonNode sent = post(http, api, ownerToken, "/api/v1/messages", Map.of("conversation_id", group,
                        "client_message_id", UUID.randomUUID().toString(), "type", "text", "content", "to everyone " + i));
                long t1 = System.nanoTime();
                int seq = sent.path("seq").asInt();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (counts[seq].get() < opened.ready() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (i <= warmup) {
                    continue;
                }
                if (counts[seq].get() < opened.ready()) {
                    incomplete++;
                }
                long min = Long.MAX_VALUE;
                long max = 0;
                for (long arrival : arrivals[seq]) {
                    if (arrival != 0) {
                        min = Math.min(min, arrival);
                        max = Math.max(max, arrival);
                    }
                }
                first.add((min - t0) / 1e6);
                last.add((max - t0) / 1e6);
                postMs.add((t1 - t0) / 1e6);
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - windowStart) / 1e9;
            Map<String, Duration> cpu = Cpu.between(stackBefore, Cpu.sample(stack.processes()));
            profiler.stop(stack.processes(), "fanout-" + members);
            report.line(String.format(Locale.ROOT, "- POST -> last socket: p50 %.1f ms (%.2fx the ws peer's %.0f ms), p99 %.1f ms, max %.1f ms (target p50 < 100 ms)",
                    pct(last, 50), pct(last, 50) / PEER_FANOUT_10K_MS, PEER_FANOUT_10K_MS, pct(last, 99), pct(last, 100)));
            report.line(String.format(Locale.ROOT, "- POST -> first socket: p50 %.1f ms, p99 %.1f ms; POST -> 201: p50 %.1f ms, p99 %.1f ms",
                    pct(first, 50), pct(first, 99), pct(postMs, 50), pct(postMs, 99)));
            report.line(String.format(Locale.ROOT, "- %d messages measured (after %d warm-up), %d not at every socket within 10 s; duplicates %d, out of order %d",
                    messages, warmup, incomplete, duplicates.get(), outOfOrder.get()));
            report.line("- CPU over the window (s): " + cpu.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue().toNanos() / 1e9))
                    .collect(Collectors.joining(", "))
                    + String.format(Locale.ROOT, " in %.1f s (generator %.2f cores)", seconds,
                            (cpuNanos() - cpuBefore) / 1e9 / seconds));
            return new Fanout(opened.ready(), incomplete, duplicates.get(), outOfOrder.get(), pct(last, 50), pct(last, 99));
        }
    }

    private static double pct(List<Double> values, double percentile) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static JsonNode post(HttpClient http, URI api, String token, String path, Object body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(api.resolve(path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static long cpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
