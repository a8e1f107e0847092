package dev.chat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * JFR profiles of the measured window only (not start-up, not the warm-up): {@code -Dbench.jfr=<modules>}
 * starts a recording in those processes with jcmd when a scenario's measurement starts and dumps it to
 * {@code bench/target/<module>-<label>.jfr} when it ends. Analyse with {@code jfr view hot-methods} or
 * by category.
 */
final class Profiler {

    private final List<String> modules;
    private final Path dir;

    Profiler(Path root) {
        String wanted = System.getProperty("bench.jfr", "");
        this.modules = wanted.isBlank() ? List.of() : List.of(wanted.split(","));
        this.dir = root.resolve("bench/target");
    }

    void start(Map<String, ProcessHandle> processes) {
        for (String module : modules) {
            ProcessHandle process = processes.get(module);
            if (process != null) {
                jcmd(process, "JFR.start", "name=bench", "settings=profile");
            }
        }
    }

    void stop(Map<String, ProcessHandle> processes, String label) {
        for (String module : modules) {
            ProcessHandle process = processes.get(module);
            if (process != null) {
                Path file = dir.resolve(module + "-" + label + ".jfr");
                jcmd(process, "JFR.dump", "name=bench", "filename=" + file);
                jcmd(process, "JFR.stop", "name=bench");
                System.out.println("  profile: " + file);
            }
        }
    }

    private static void jcmd(ProcessHandle process, String... command) {
        try {
            Jcmd.run(process, command);
        } catch (IOException e) {
            System.err.println("  jcmd failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
