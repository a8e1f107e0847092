package dev.chat.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every child process the stack starts, so that {@code close()} (or the shutdown hook) stops
 * exactly those. Each is also written to a pid file, so that a later stack on the same work
 * directory can stop what a killed (SIGKILL) predecessor left behind.
 */
final class ProcessRegistry {

    private final Path pidFile;
    private final Set<ChildProcess> live = new LinkedHashSet<>();
    private boolean closed;

    ProcessRegistry(Path pidFile) {
        this.pidFile = pidFile;
    }

    /** Records {@code process}; if the stack is already closing, stops it and throws. */
    ChildProcess register(ChildProcess process) {
        synchronized (this) {
            if (!closed) {
                live.add(process);
                remember(process.handle(), process.name());
                return process;
            }
        }
        process.stop(Duration.ZERO);
        throw new IllegalStateException("the stack is shutting down; stopped " + process.name());
    }

    synchronized void forget(ChildProcess process) {
        live.remove(process);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Refuses further registrations and returns what is still recorded. */
    synchronized List<ChildProcess> close() {
        closed = true;
        List<ChildProcess> all = new ArrayList<>(live);
        live.clear();
        return all;
    }

    /** Also records a process the stack did not start itself (the postmaster). */
    synchronized void remember(ProcessHandle handle, String name) {
        if (pidFile == null) {
            return;
        }
        String start = handle.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("-");
        try {
            Files.writeString(pidFile, handle.pid() + " " + start + " " + name + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // only a safety net for the next run
        }
    }

    /**
     * Stops the processes a previous stack recorded in {@code pidFile}, when they still run (same
     * pid and same start time), then deletes the file. Returns their names.
     */
    static List<String> stopLeftovers(Path pidFile) {
        List<String> stopped = new ArrayList<>();
        if (!Files.isRegularFile(pidFile)) {
            return stopped;
        }
        List<ProcessHandle> victims = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(pidFile, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split(" ", 3);
                if (parts.length < 3 || parts[1].equals("-")) {
                    continue;
                }
                Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(parts[0]));
                long recordedStart = Long.parseLong(parts[1]);
                if (handle.isPresent() && handle.get().isAlive() && handle.get().info().startInstant()
                        .map(Instant::toEpochMilli).filter(s -> Math.abs(s - recordedStart) < 1000).isPresent()) {
                    victims.addAll(handle.get().descendants().toList());
                    victims.add(handle.get());
                    stopped.add(parts[2] + " (pid " + parts[0] + ")");
                }
            }
            victims.forEach(ProcessHandle::destroy);
            for (ProcessHandle victim : victims) {
                victim.onExit().completeOnTimeout(victim, 15, java.util.concurrent.TimeUnit.SECONDS).join();
            }
            victims.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle victim : victims) {
                victim.onExit().completeOnTimeout(victim, 10, java.util.concurrent.TimeUnit.SECONDS).join();
            }
            Files.deleteIfExists(pidFile);
        } catch (IOException | RuntimeException e) {
            stopped.add("(could not read " + pidFile + ": " + e + ")");
        }
        return stopped;
    }
}
