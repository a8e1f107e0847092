package dev.chat.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.chat.devstack.ChatStack;

/**
 * What the soak watches for growth (docs/reliability.md, "Soak"), sampled every {@code interval} while the load runs:
 * per service process its heap used after a full GC ({@code jcmd GC.run} then {@code GC.heap_info}: what is live,
 * not what garbage happens to be there), its threads ({@code Threads:} of /proc/pid/status: every OS thread of the
 * JVM), its open files (the entries of /proc/pid/fd: sockets, pipes, files) and its RSS; the websocket nodes'
 * sessions ({@code chat.ws.sessions}), message-service's outbox depth ({@code chat.outbox.pending}, rows not yet
 * published) and PostgreSQL's processes (the postmaster's descendants: one backend per connection, plus its workers).
 * A sample that cannot be read (a process gone, jcmd failing) is left out of its series and counted.
 */
final class SoakSampler implements AutoCloseable {

    private static final double MB = 1024 * 1024;
    /**
     * Lines of GC.heap_info with a generation's (or the whole heap's) use, for the collectors the images may run (the
     * Serial generations are "DefNew" and "Tenured" since JDK 24 or so, "def new generation" and "tenured generation"
     * before).
     */
    private static final Pattern HEAP_USED = Pattern.compile(
            "(?m)^\\s*(DefNew|Tenured|def new generation|tenured generation|garbage-first heap|PSYoungGen|ParOldGen)\\s"
                    + "[^\\n]*?used (\\d+)K");

    /** A kind of series: its unit and the growth over the run it may show (Flatness.Tolerance). */
    enum Kind {
        HEAP("heap after GC", "MB", MB, new Flatness.Tolerance(16 * MB, 0.10)),
        RSS("RSS", "MB", MB, new Flatness.Tolerance(64 * MB, 0.20)),
        THREADS("threads", "", 1, new Flatness.Tolerance(5, 0)),
        FILES("open files", "", 1, new Flatness.Tolerance(20, 0)),
        SESSIONS("websocket sessions", "", 1, new Flatness.Tolerance(5, 0.05)),
        OUTBOX("outbox depth", "rows", 1, new Flatness.Tolerance(100, 0)),
        BACKENDS("PostgreSQL processes", "", 1, new Flatness.Tolerance(5, 0));

        final String label;
        final String unit;
        final double scale;
        final Flatness.Tolerance tolerance;

        Kind(String label, String unit, double scale, Flatness.Tolerance tolerance) {
            this.label = label;
            this.unit = unit;
            this.scale = scale;
            this.tolerance = tolerance;
        }
    }

    /** One series: what it is, of which process, and its samples (values in bytes or counts). */
    record Series(String name, Kind kind, List<Flatness.Point> points) {
    }

    private final ChatStack stack;
    private final Tokens tokens;
    private final Path jcmdCommands;
    private final long startNanos = System.nanoTime();
    private final Map<String, Series> series = new LinkedHashMap<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "soak-sampler");
        t.setDaemon(true);
        return t;
    });
    private int samples;
    private int unreadable;
    private final List<String> problems = new ArrayList<>();
    private double longestSampleSeconds;

    SoakSampler(ChatStack stack, Tokens tokens, Path workDir) throws IOException {
        this.stack = stack;
        this.tokens = tokens;
        // one jcmd per process and sample: both commands from a file
        this.jcmdCommands = Files.createDirectories(workDir).resolve("soak-jcmd.txt");
        Files.writeString(jcmdCommands, "GC.run\nGC.heap_info\n");
    }

    /** Samples now and then every {@code interval} (at a fixed rate; a slow sample delays the next, never overlaps). */
    void start(java.time.Duration interval) {
        executor.scheduleAtFixedRate(this::sampleSafely, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops sampling, with one last sample (the end of the load). */
    void stop() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(2, TimeUnit.MINUTES);
        sampleSafely();
    }

    private void sampleSafely() {
        try {
            sample();
        } catch (Exception e) {
            problem("sample failed: " + e);
        }
    }

    synchronized void sample() {
        long began = System.nanoTime();
        double t = (began - startNanos) / 1e9;
        Map<String, ProcessHandle> processes = stack.processes();
        for (String instance : stack.instances()) {
            ProcessHandle process = processes.get(instance);
            if (process == null) {
                problem(instance + " not running at " + Math.round(t) + " s");
                continue;
            }
            try {
                String heapInfo = Jcmd.run(process, "-f", jcmdCommands.toString());
                long used = parseHeapUsed(heapInfo);
                if (used < 0) {
                    String text = heapInfo.strip().replaceAll("\\s+", " ");
                    problem(instance + " GC.heap_info not understood: " + text.substring(0, Math.min(200, text.length())));
                }
                add(instance, Kind.HEAP, t, used);
            } catch (Exception e) {
                problem(instance + " heap: " + e);
            }
            add(instance, Kind.THREADS, t, Jcmd.status(process, "Threads:"));
            add(instance, Kind.FILES, t, openFiles(process));
            add(instance, Kind.RSS, t, Jcmd.rss(process));
        }
        for (String node : stack.webSocketNodes()) {
            add(node, Kind.SESSIONS, t, metric(node, "chat.ws.sessions"));
        }
        add("message-service", Kind.OUTBOX, t, metric("message-service", "chat.outbox.pending"));
        ProcessHandle postgres = processes.get("postgres");
        add("postgres", Kind.BACKENDS, t, postgres == null ? -1 : postgres.descendants().count());
        samples++;
        longestSampleSeconds = Math.max(longestSampleSeconds, (System.nanoTime() - began) / 1e9);
    }

    /**
     * The heap in use in the output of {@code GC.run} + {@code GC.heap_info} (so: live after a full GC), bytes: the sum
     * of the generations' use; -1 when it names no generation.
     */
    static long parseHeapUsed(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(2)) * 1024;
            found = true;
        }
        return found ? used : -1;
    }

    /** Entries of /proc/pid/fd, or -1. */
    static long openFiles(ProcessHandle process) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private double metric(String instance, String name) {
        try {
            URI service = stack.serviceUrl(instance);
            return PushBenchmark.metric(service, tokens, name, "VALUE");
        } catch (Exception e) {
            problem(instance + " " + name + ": " + e);
            return -1;
        }
    }

    private void add(String instance, Kind kind, double t, double value) {
        if (value < 0) {
            unreadable++;
            return;
        }
        series.computeIfAbsent(instance + " " + kind.label, k -> new Series(k, kind, new ArrayList<>()))
                .points().add(new Flatness.Point(t, value));
    }

    private synchronized void problem(String text) {
        unreadable++;
        if (problems.size() < 20) {
            problems.add(text);
        }
    }

    synchronized List<Series> series() {
        return series.values().stream()
                .map(s -> new Series(s.name(), s.kind(), List.copyOf(s.points())))
                .toList();
    }

    synchronized int samples() {
        return samples;
    }

    synchronized int unreadable() {
        return unreadable;
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    synchronized double longestSampleSeconds() {
        return longestSampleSeconds;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
