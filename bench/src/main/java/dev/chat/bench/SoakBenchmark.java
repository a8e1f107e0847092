package dev.chat.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.chat.devstack.ChatStack;

/**
 * The soak (docs/reliability.md, "Soak"): the system as production runs it (BenchStack: the images' JVM flags and
 * limits, durable PostgreSQL, the contract's send limit), fake push providers, and a bounded run of mixed load through
 * the gateway ({@link SoakLoad}: direct and group sends with retries, devices that ack, reconnect and sync, offline
 * devices that are pushed), while {@link SoakSampler} samples each service's heap after GC, threads, open files and
 * RSS, the websocket sessions, the outbox depth and PostgreSQL's processes. Prints a table: each series with its
 * slope and whether it stayed flat ({@link Flatness}), and the run's correctness; writes it to
 * {@code bench/target/soak-<timestamp>.md}. Exits 1 when a series grew or the run was not correct.
 *
 * <pre>
 * ./chat bench soak                                      # 30 minutes at 50 msg/s, sampled every 30 s
 * ./chat bench soak --duration=3m --rate=20 --sample=15s --reconnect-every=30s --reconnect-share=0.1
 * </pre>
 */
public final class SoakBenchmark {

    private static final double WARMUP_FRACTION = 0.2;

    private SoakBenchmark() {
    }

    /** A run: the load's result and what was sampled meanwhile. */
    record Outcome(SoakLoad.Result load, List<SoakSampler.Series> series, int samples, int unreadable,
            List<String> problems, double longestSampleSeconds, Duration sampleInterval) {

        Map<SoakSampler.Series, Flatness.Verdict> verdicts() {
            Map<SoakSampler.Series, Flatness.Verdict> verdicts = new LinkedHashMap<>();
            for (SoakSampler.Series s : series) {
                verdicts.put(s, Flatness.judge(s.points(), s.kind().tolerance, WARMUP_FRACTION));
            }
            return verdicts;
        }

        /** Every series judged flat (too few samples for a verdict is not flat). */
        boolean flat() {
            return !series.isEmpty() && verdicts().values().stream().allMatch(v -> Boolean.TRUE.equals(v.flat()));
        }

        boolean correct() {
            return load.correct();
        }
    }

    /**
     * Options: --duration=30m --rate=50 (first attempts per second, all senders; senders = rate at 1/s each)
     * --sample=30s --reconnect-every=60s --reconnect-share=0.05.
     */
    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parseOrExit(args, "duration", "rate", "sample", "reconnect-every",
                "reconnect-share");
        Duration duration = options.duration("duration", "30m");
        double rate = options.decimal("rate", 50);
        Duration sample = options.duration("sample", "30s");
        Duration reconnectEvery = options.duration("reconnect-every", "60s");
        double reconnectShare = options.decimal("reconnect-share", 0.05);
        Path root = Path.of(System.getProperty("chat.project.root", ".")).toAbsolutePath().normalize();
        Path target = root.resolve("bench/target");

        Instant began = Instant.now();
        List<String> header = new ArrayList<>();
        header.add("# Soak, " + began);
        header.add("");
        header.add("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + Runtime.version() + "; the services with their "
                + "images' JVM flags and limits, the contract's send limit (10/s per user)");
        header.forEach(System.out::println);
        int exit;
        try (PushFakes fakes = new PushFakes(target.resolve("soak-push-fakes"), Duration.ofMillis(50));
                ChatStack stack = BenchStack.start(root, fakes.environment(), 1)) {
            SoakLoad.Config config = SoakLoad.Config.of(rate, duration, stack.gatewayUrl(), stack.gatewayWebSocketUrl(),
                    reconnectEvery, reconnectShare);
            Outcome outcome = run(stack, fakes, config, sample, target);
            String table = report(outcome, true);
            String text = String.join("\n", header) + "\n" + table;
            Path out = target.resolve("soak-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                    .format(began) + ".md");
            Files.createDirectories(target);
            Files.writeString(out, text);
            System.out.println();
            System.out.println(table);
            System.out.println("(written to " + out + ")");
            exit = outcome.flat() && outcome.correct() ? 0 : 1;
        }
        System.exit(exit);
    }

    /** Runs the load on a started stack, sampling meanwhile; prints progress every sample interval. */
    static Outcome run(ChatStack stack, PushFakes fakes, SoakLoad.Config config, Duration sampleInterval, Path workDir)
            throws Exception {
        Tokens tokens = new Tokens(stack.jwtSecret());
        SoakLoad load = new SoakLoad(config, tokens, fakes);
        System.out.printf(Locale.ROOT, "soak: %s at %.0f msg/s (%d senders at <= %.0f attempts/s each), sampled every %s, "
                + "%.0f %% of the sockets reconnect every %s%n", human(config.duration()), config.ratePerSecond(),
                config.senders(), config.senderMaxRate(), human(sampleInterval), 100 * config.reconnectShare(),
                human(config.reconnectEvery()));
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soak-progress");
            t.setDaemon(true);
            return t;
        });
        try (SoakSampler sampler = new SoakSampler(stack, tokens, workDir)) {
            long[] start = new long[1];
            SoakLoad.Result result = load.run(() -> {
                start[0] = System.nanoTime();
                sampler.start(sampleInterval);
                progress.scheduleAtFixedRate(() -> System.out.printf(Locale.ROOT, "soak %4d s: %s; %d samples%n",
                        (System.nanoTime() - start[0]) / 1_000_000_000L, load.progress(), sampler.samples()),
                        sampleInterval.toNanos(), sampleInterval.toNanos(), TimeUnit.NANOSECONDS);
            }, () -> {
                progress.shutdownNow();
                try {
                    sampler.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                System.out.println("soak: load over, settling (retries, deliveries, pushes)");
            });
            return new Outcome(result, sampler.series(), sampler.samples(), sampler.unreadable(), sampler.problems(),
                    sampler.longestSampleSeconds(), sampleInterval);
        } finally {
            progress.shutdownNow();
        }
    }

    /** The verdict: the series (flatness judged, or only shown) and the correctness, in Markdown. */
    static String report(Outcome o, boolean judgeFlatness) {
        SoakLoad.Result r = o.load();
        SoakLoad.Config c = r.config();
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%n## Load%n%n%s of mixed load through the gateway at %.0f msg/s "
                + "(achieved %.1f): %d senders (%d direct conversations, %d groups of %d), %d devices online (ack, "
                + "sync), %d users offline with %d devices (pushed); %.0f %% of the sockets reconnect every %s; each "
                + "sender <= %.0f attempts/s, retries with the same client_message_id after Retry-After, at most %d "
                + "attempts a message.%n", human(c.duration()), c.ratePerSecond(), r.achievedRate(), r.senders(), r.directs(),
                r.groups(), c.groupSize(), r.receivers(), r.offline(), r.devices(), 100 * c.reconnectShare(),
                human(c.reconnectEvery()), c.senderMaxRate(), c.maxAttempts()));

        text.append(String.format(Locale.ROOT, "%n## Series (a sample every %s: %d samples, the longest took %.1f s; "
                + "%d values unreadable)%n%n", human(o.sampleInterval()), o.samples(), o.longestSampleSeconds(),
                o.unreadable()));
        text.append(judgeFlatness
                ? String.format(Locale.ROOT, "Flat: the least-squares slope after the first %.0f %% of the run, projected "
                        + "over the whole run, is within the tolerance (the larger of an absolute amount and a share of "
                        + "the level).%n%n", 100 * WARMUP_FRACTION)
                : "Flatness not judged (a run this short says nothing about growth): the series are shown only.\n\n");
        text.append("| series | samples | first | last | min | max | slope per min | growth over the run | allowed | flat |\n");
        text.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Map.Entry<SoakSampler.Series, Flatness.Verdict> e : o.verdicts().entrySet()) {
            SoakSampler.Series s = e.getKey();
            Flatness.Verdict v = e.getValue();
            double scale = s.kind().scale;
            String unit = s.kind().unit.isEmpty() ? "" : " (" + s.kind().unit + ")";
            String flat = !judgeFlatness ? "-" : v.flat() == null ? "too few samples" : v.flat() ? "yes" : "**NO**";
            text.append(String.format(Locale.ROOT, "| %s%s | %d | %s | %s | %s | %s | %+.2f | %+.1f | %.1f | %s |%n",
                    s.name(), unit, v.points(), num(v.first() / scale), num(v.last() / scale), num(v.min() / scale),
                    num(v.max() / scale), v.slope() * 60 / scale, v.growth() / scale, v.allowed() / scale, flat));
        }
        for (String p : o.problems()) {
            text.append("- sampling: ").append(p).append('\n');
        }

        text.append("\n## Correctness\n\n| check | value | must be | ok |\n| --- | --- | --- | --- |\n");
        row(text, "messages sent (first attempts)", String.format(Locale.ROOT, "%,d", r.messages()), "", null);
        row(text, "stored: 201 + 200 (a retry of a stored send)", String.format(Locale.ROOT, "%,d + %,d = %,d",
                r.created(), r.repeated(), r.stored()), "= sent", r.stored() == r.messages());
        row(text, "abandoned sends (retries ran out, or an answer not to retry)", Long.toString(r.abandoned()), "0",
                r.abandoned() == 0);
        row(text, "5xx other than a shed 503", r.fiveXxNotShed().isEmpty() ? "none" : r.fiveXxNotShed().toString(),
                "none", r.fiveXxNotShed().isEmpty());
        row(text, "4xx other than 429 (not retried)", r.otherStatuses().isEmpty() ? "none" : r.otherStatuses().toString(),
                "none", r.otherStatuses().isEmpty());
        row(text, "retries, by cause", String.format(Locale.ROOT, "%,d %s", r.retries(), r.retriedFor()), "", null);
        row(text, "shed (503 overloaded, retried) / 429 (retried) / timeouts / connection errors", String.format(
                Locale.ROOT, "%,d / %,d / %,d / %,d", r.shed(), r.rateLimited(), r.timeouts(), r.errors()), "", null);
        row(text, "closest two attempts of one sender (attempts the pacer held back)", String.format(Locale.ROOT,
                "%.0f ms (%,d)", r.minSenderGapMs(), r.paced()), String.format(Locale.ROOT, ">= %.0f ms",
                1000 / c.senderMaxRate()), r.minSenderGapMs() >= 1000 / c.senderMaxRate() || Double.isNaN(r.minSenderGapMs()));
        row(text, "deliveries held after de-duplication by seq", String.format(Locale.ROOT, "%,d of %,d",
                r.expected() - r.missing(), r.expected()), "all", r.missing() == 0);
        row(text, "missing", Long.toString(r.missing()), "0", r.missing() == 0);
        row(text, "stored twice (a client_message_id at two seqs)", Long.toString(r.storedTwice()), "0",
                r.storedTwice() == 0);
        row(text, "live frames out of order", Long.toString(r.outOfOrder()), "0", r.outOfOrder() == 0);
        row(text, "duplicate frames before de-duplication (replays overlapping live frames)",
                String.format(Locale.ROOT, "%,d", r.rawDuplicates()), "", null);
        row(text, "reconnects / sockets the server ended / syncs / frames replayed", String.format(Locale.ROOT,
                "%,d / %,d / %,d / %,d", r.reconnects(), r.unexpectedCloses(), r.syncs(), r.replayed()), "", null);
        row(text, "pushes: each once / expected", String.format(Locale.ROOT, "%,d / %,d", r.pushedOnce(),
                r.pushesExpected()), "all", r.pushedOnce() == r.pushesExpected());
        row(text, "pushes missing / pushed twice", r.pushesMissing() + " / " + r.pushDuplicates(), "0 / 0",
                r.pushesMissing() == 0 && r.pushDuplicates() == 0);
        for (String note : r.notes()) {
            text.append("- ").append(note).append('\n');
        }
        boolean flat = o.flat();
        text.append(String.format(Locale.ROOT, "%nVerdict: %s; %s.%n",
                !judgeFlatness ? "flatness not judged" : flat ? "every series flat" : "NOT FLAT",
                r.correct() ? "correct (every message stored once, delivered once in order, pushed once; nothing "
                        + "abandoned; no 5xx but shedding)" : "NOT CORRECT"));
        return text.toString();
    }

    private static void row(StringBuilder text, String check, String value, String must, Boolean ok) {
        text.append("| ").append(check).append(" | ").append(value).append(" | ").append(must).append(" | ")
                .append(ok == null ? "" : ok ? "yes" : "**NO**").append(" |\n");
    }

    /** {@code 30 min}, {@code 90 s} */
    static String human(Duration d) {
        return d.toSeconds() >= 60 && d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private static String num(double value) {
        return Double.isNaN(value) ? "-" : value == Math.rint(value) && Math.abs(value) < 1e9
                ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%,.1f", value);
    }
}
