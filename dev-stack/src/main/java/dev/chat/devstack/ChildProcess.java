package dev.chat.devstack;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child process of the stack (a service or the Kafka broker): stdout and stderr go to one log
 * file, and {@link #stop} ends it with SIGTERM, then SIGKILL after a grace period, descendants
 * included.
 */
final class ChildProcess {

    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} with exactly {@code environment} (not merged with this JVM's), in
     * {@code workingDir}, writing its output to {@code log} (appended when {@code append}).
     */
    static ChildProcess start(String name, List<String> command, Map<String, String> environment,
            Path workingDir, Path log, boolean append) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log.toFile())
                        : ProcessBuilder.Redirect.to(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        builder.environment().clear();
        builder.environment().putAll(environment);
        return new ChildProcess(name, builder.start(), log);
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, or -1 while it runs. */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Waits for the process to end; true if it did within {@code timeout}. */
    boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGKILL now (descendants too), and waits until it is gone. */
    void kill() {
        List<ProcessHandle> everything = new ArrayList<>(process.descendants().toList());
        everything.add(process.toHandle());
        everything.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : everything) {
            try {
                handle.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // gone or not, nothing more to do
            }
        }
    }

    /** SIGTERM, then SIGKILL once {@code grace} has passed; also kills descendants left behind. */
    void stop(Duration grace) {
        stopAll(List.of(this), grace);
    }

    /**
     * Stops several processes at once: SIGTERM to all, one shared grace period, then SIGKILL to
     * whatever still runs (descendants included). Returns when all are gone.
     */
    static void stopAll(Collection<ChildProcess> processes, Duration grace) {
        List<ProcessHandle> everything = new ArrayList<>();
        for (ChildProcess p : processes) {
            everything.addAll(p.process.descendants().toList());
            everything.add(p.process.toHandle());
            p.process.destroy();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        boolean interrupted = false;
        for (ChildProcess p : processes) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                p.process.waitFor(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (ProcessHandle handle : everything) {
            if (handle.isAlive()) {
                handle.destroyForcibly();
            }
        }
        for (ProcessHandle handle : everything) {
            try {
                handle.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (Exception e) {
                // reported by the caller's checks; nothing more we can do here
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of the log, for error messages. */
    String logTail(int lines) {
        return tail(log, lines);
    }

    static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int chunk = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[chunk];
            raf.seek(length - chunk);
            raf.readFully(bytes);
            List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
