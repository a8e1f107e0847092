package dev.chat.deploycheck;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization with {@code kubectl kustomize <dir>} (or a standalone {@code kustomize build <dir>}).
 * kubectl is looked up in the system property {@code deploy-check.kubectl}, the environment variable
 * {@code KUBECTL}, then on the PATH. Rendering needs no cluster.
 */
final class Kustomize {

    private static final long TIMEOUT_SECONDS = 120;

    private Kustomize() {
    }

    /** The command line that renders a directory (without the directory), when a tool is installed. */
    static Optional<List<String>> command() {
        String explicit = System.getProperty("deploy-check.kubectl", System.getenv("KUBECTL"));
        if (explicit != null && !explicit.isBlank() && Files.isExecutable(Path.of(explicit))) {
            return Optional.of(List.of(explicit, "kustomize"));
        }
        return onPath("kubectl").map(kubectl -> List.of(kubectl.toString(), "kustomize"))
                .or(() -> onPath("kustomize").map(kustomize -> List.of(kustomize.toString(), "build")));
    }

    static String render(Path kustomization) {
        List<String> command = new ArrayList<>(command().orElseThrow(() -> new IllegalStateException("no kubectl")));
        command.add(kustomization.toString());
        try {
            Path out = Files.createTempFile("kustomize-", ".yaml");
            Path err = Files.createTempFile("kustomize-", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + "s");
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                            + Files.readString(err, StandardCharsets.UTF_8));
                }
                return Files.readString(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
