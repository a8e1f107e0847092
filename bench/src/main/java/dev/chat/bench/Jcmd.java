package dev.chat.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What a service process holds, read with jcmd and /proc: its live heap after a full GC, by class, and its RSS. */
final class Jcmd {

    private Jcmd() {
    }

    /**
     * Live objects by class after a full GC ({@code GC.class_histogram} runs one), and their total, without the
     * JVM's filler arrays ({@link #FILLER}).
     */
    record Histogram(long totalBytes, Map<String, Long> bytesByClass, String raw) {

        /** The classes that grew most from {@code before} to this, in bytes (the heap profile of what was added). */
        Map<String, Long> growthSince(Histogram before, int top) {
            Map<String, Long> growth = new LinkedHashMap<>();
            java.util.Set<String> classes = new java.util.HashSet<>(bytesByClass.keySet());
            classes.addAll(before.bytesByClass.keySet());
            List<Map.Entry<String, Long>> sorted = classes.stream()
                    .map(c -> Map.entry(c, bytesByClass.getOrDefault(c, 0L) - before.bytesByClass.getOrDefault(c, 0L)))
                    .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .toList();
            sorted.stream().limit(top).forEach(e -> growth.put(e.getKey(), e.getValue()));
            // what the list leaves out, so that the profile adds up to the total: the smaller growths, and what shrank
            long rest = sorted.stream().skip(top).mapToLong(Map.Entry::getValue).filter(v -> v > 0).sum();
            long shrunk = sorted.stream().mapToLong(Map.Entry::getValue).filter(v -> v < 0).sum();
            growth.put("(the other classes that grew, together)", rest);
            growth.put("(the classes that shrank, together)", shrunk);
            // and which shrank most: what the baseline held that has gone since
            sorted.reversed().stream().filter(e -> e.getValue() < 0).limit(20)
                    .forEach(e -> growth.put("(shrank) " + e.getKey(), e.getValue()));
            return growth;
        }
    }

    static Histogram liveHeap(ProcessHandle process) throws IOException, InterruptedException {
        String out = run(process, "GC.class_histogram");
        Map<String, Long> byClass = new LinkedHashMap<>();
        long total = 0;
        for (String line : out.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 4 && parts[0].endsWith(":")) {
                byClass.merge(parts[3], Long.parseLong(parts[2]), Long::sum);
            } else if (parts.length >= 3 && parts[0].equals("Total")) {
                total = Long.parseLong(parts[2]);
            }
        }
        // not objects: the JVM fills unused heap (the unallocated rest of thread-local buffers, regions) with filler
        // arrays that the histogram lists; their bytes come and go with GC timing and would drown what sessions hold
        Long filler = byClass.remove(FILLER);
        return new Histogram(total - (filler == null ? 0 : filler), byClass, out);
    }

    /** The class of the JVM's filler arrays (unused heap), left out of the totals and profiles. */
    static final String FILLER = "[Ljdk.internal.vm.FillerElement;";

    /** Resident set size in bytes (Linux), or -1. */
    static long rss(ProcessHandle process) {
        long kb = status(process, "VmRSS:");
        return kb < 0 ? -1 : kb * 1024;
    }

    /** A numeric field of /proc/pid/status ({@code Threads:}, {@code VmRSS:} in kB ...), or -1 (gone, not Linux). */
    static long status(ProcessHandle process, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Runs one jcmd command (or {@code -f file}: the commands in the file) against the process; what it printed. */
    static String run(ProcessHandle process, String... command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> args = new java.util.ArrayList<>(List.of(jcmd.toString(), Long.toString(process.pid())));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8);
    }
}
