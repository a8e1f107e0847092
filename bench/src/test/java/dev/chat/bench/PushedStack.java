package dev.chat.bench;

import java.nio.file.Path;
import java.time.Duration;

import dev.chat.devstack.ChatStack;

/**
 * The stack the smoke forms of the push benchmark and the soak run on: the benchmark's stack (the images' JVM flags)
 * with one notification-service whose providers are the slow fakes; closing it stops both, the stack first.
 */
record PushedStack(Path root, PushFakes fakes, ChatStack stack) implements AutoCloseable {

    /** {@code fakesDirectory}: below {@code bench/target}, where the fakes keep their files. */
    static PushedStack start(String fakesDirectory) throws Exception {
        Path root = Path.of(System.getProperty("chat.project.root", "..")).toAbsolutePath().normalize();
        PushFakes fakes = new PushFakes(root.resolve("bench/target").resolve(fakesDirectory), Duration.ofMillis(50));
        try {
            return new PushedStack(root, fakes, BenchStack.start(root, fakes.environment(), 1));
        } catch (Exception | Error e) {
            fakes.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stack.close();
        } finally {
            fakes.close();
        }
    }
}
