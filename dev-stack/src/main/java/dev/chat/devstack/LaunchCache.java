package dev.chat.devstack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Makes service JVMs start with less CPU: each Spring Boot jar is extracted once per version
 * ({@code java -Djarmode=tools -jar <jar> extract}), because classes load much faster from plain
 * jars on the class path than from the jars nested in an executable jar. Measured on a busy
 * 2-core machine, CPU until "Started": gateway ~10.5 s from the executable jar, ~7 s extracted.
 * The extraction (~2 s of CPU) runs while PostgreSQL and Kafka start.
 *
 * <p>Layout: {@code <cacheDir>/<service>/<key>/app/}, where the key changes with the jar's path,
 * size and time; other keys of the service (older builds) are deleted. A service's directory is
 * locked while its JVM runs; a second stack sharing the cache runs that service from its jar.
 *
 * <p>(A class-data-sharing archive written at exit, {@code -XX:+AutoCreateSharedArchive}, saved
 * another ~2 s of CPU per start but took over 15 s per service to write at shutdown on a busy
 * machine, so it is not used.)
 */
final class LaunchCache {

    private static final Duration EXTRACT_TIMEOUT = Duration.ofSeconds(120);

    private final Path cacheDir;

    /** @param cacheDir null disables the cache: services run from their executable jars */
    LaunchCache(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** How to launch one service: the arguments after the JVM options, and the lock to hold while it runs. */
    record Launch(List<String> arguments, AutoCloseable lock, String note) {

        static Launch plain(Path jar, String note) {
            return new Launch(List.of("-jar", jar.toString()), () -> { }, note);
        }
    }

    /**
     * Prepares {@code jar} (extracting it when needed, with {@code javaBin}; the extraction's output goes to
     * {@code log}). Never fails: on any problem the service runs from its jar and {@link Launch#note} says why.
     */
    Launch prepare(String service, Path jar, String javaBin, Map<String, String> environment, Path log,
            ProcessRegistry registry) throws InterruptedException {
        if (cacheDir == null || !isSpringBootJar(jar)) {
            return Launch.plain(jar, null);
        }
        Path serviceDir = cacheDir.resolve(service);
        FileChannel channel = null;
        FileLock lock = null;
        try {
            Files.createDirectories(serviceDir);
            channel = FileChannel.open(serviceDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // another stack in this JVM runs this service from the cache; closing would release its lock
                return Launch.plain(jar, "launch cache in use by another stack");
            }
            if (lock == null) {
                channel.close();
                return Launch.plain(jar, "launch cache in use by another stack");
            }
            String key = key(jar);
            Path keyDir = serviceDir.resolve(key);
            deleteOtherVersions(serviceDir, key);
            Path launchJar = keyDir.resolve("app").resolve(jar.getFileName());
            if (!Files.isRegularFile(launchJar)) {
                extract(jar, keyDir, javaBin, environment, log, registry);
            }
            FileChannel heldChannel = channel;
            FileLock heldLock = lock;
            AutoCloseable release = () -> {
                heldLock.release();
                heldChannel.close();
            };
            return new Launch(List.of("-jar", launchJar.toString()), release, null);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock, channel);
            return Launch.plain(jar, "launch cache not used: " + e.getMessage());
        } catch (InterruptedException e) {
            closeQuietly(lock, channel);
            throw e;
        }
    }

    private static void extract(Path jar, Path keyDir, String javaBin, Map<String, String> environment, Path log,
            ProcessRegistry registry) throws IOException, InterruptedException {
        Path tmp = keyDir.resolveSibling(keyDir.getFileName() + ".tmp");
        ChatStack.deleteRecursively(tmp);
        ChatStack.deleteRecursively(keyDir);
        List<String> command = List.of(javaBin, "-Djarmode=tools", "-jar", jar.toString(),
                "extract", "--destination", tmp.resolve("app").toString());
        ChildProcess extraction = registry.register(ChildProcess.start("extract " + jar.getFileName(), command,
                environment, jar.getParent(), log, true));
        try {
            if (!extraction.waitFor(EXTRACT_TIMEOUT) || extraction.exitCode() != 0) {
                throw new IOException("extracting " + jar.getFileName() + " failed (see " + log + ")");
            }
        } finally {
            extraction.stop(Duration.ZERO);
            registry.forget(extraction);
        }
        Files.move(tmp, keyDir, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Changes whenever the jar is rebuilt (or another jar takes its place). */
    static String key(Path jar) throws IOException {
        String identity = jar.toAbsolutePath() + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis();
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(identity.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isSpringBootJar(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            return manifest != null && manifest.getMainAttributes().getValue("Spring-Boot-Version") != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteOtherVersions(Path serviceDir, String key) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(serviceDir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Files.isDirectory(entry) && !name.equals(key)) {
                    stale.add(entry);
                }
            }
        }
        for (Path dir : stale) {
            ChatStack.deleteRecursively(dir);
        }
    }

    private static void closeQuietly(FileLock lock, FileChannel channel) {
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing held any more that matters
        }
    }
}
