package dev.chat.shared.limit;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * How many long-lived connections (WebSockets) a process can hold, derived from what it has: its
 * open-file limit and its heap. The smaller of
 * <ul>
 * <li>files-derived: (the soft open-file limit minus a reserve for everything else the process opens:
 * Kafka, PostgreSQL and HTTP clients, jars, the listening socket) divided by the sockets one connection
 * holds (1 on a websocket node, 2 in the gateway: client and upstream);</li>
 * <li>heap-derived: {@value #HEAP_SHARE_PERCENT}% of the maximum heap divided by the assumed heap cost of
 * one connection (buffers, session state).</li>
 * </ul>
 * The reserve is {@value #FILE_RESERVE} files, but never more than half of the limit (a process with
 * 1,024 files keeps 512 for connections rather than 24). An unknown open-file limit leaves the heap alone
 * to decide. The result is at least 1.
 *
 * @param maxOpenFiles         the soft open-file limit read, or -1 if unknown
 * @param fileReserve          files kept for everything but connections
 * @param socketsPerConnection sockets one connection holds
 * @param filesDerived         what the files allow ({@link Integer#MAX_VALUE} when the file limit is unknown)
 * @param maxHeapBytes         the maximum heap
 * @param heapPerConnection    assumed heap bytes per connection
 * @param heapDerived          what the heap allows
 * @param limit                the smaller of the two, at least 1
 */
public record ConnectionLimit(long maxOpenFiles, long fileReserve, int socketsPerConnection, int filesDerived,
        long maxHeapBytes, long heapPerConnection, int heapDerived, int limit) {

    /** Files kept for everything that is not a connection (at most half of the limit). */
    public static final long FILE_RESERVE = 1_000;
    /** The share of the maximum heap connections may take, in percent. */
    public static final int HEAP_SHARE_PERCENT = 60;

    /** The derivation from explicit inputs ({@code maxOpenFiles} <= 0: unknown). */
    public static ConnectionLimit derive(long maxOpenFiles, long maxHeapBytes, int socketsPerConnection,
            long heapPerConnection) {
        if (socketsPerConnection < 1 || heapPerConnection < 1 || maxHeapBytes < 1) {
            throw new IllegalArgumentException("sockets and heap per connection and the heap must be positive");
        }
        long files = maxOpenFiles > 0 ? maxOpenFiles : -1;
        long reserve = files > 0 ? Math.min(FILE_RESERVE, files / 2) : 0;
        int filesDerived = files > 0 ? clamp((files - reserve) / socketsPerConnection) : Integer.MAX_VALUE;
        int heapDerived = clamp(maxHeapBytes / 100 * HEAP_SHARE_PERCENT / heapPerConnection);
        return new ConnectionLimit(files, reserve, socketsPerConnection, filesDerived, maxHeapBytes,
                heapPerConnection, heapDerived, Math.max(1, Math.min(filesDerived, heapDerived)));
    }

    /** The derivation for this process: its open-file limit and {@link Runtime#maxMemory()}. */
    public static ConnectionLimit ofThisProcess(int socketsPerConnection, long heapPerConnection) {
        return derive(processOpenFileLimit().orElse(-1), Runtime.getRuntime().maxMemory(), socketsPerConnection,
                heapPerConnection);
    }

    /** One line for the start-up log: the limit and what it came from. */
    public String describe() {
        return "files-derived " + (maxOpenFiles > 0
                        ? filesDerived + " ((open-file limit " + maxOpenFiles + " - reserve " + fileReserve + ") / "
                                + socketsPerConnection + " socket(s) per connection)"
                        : "unlimited (open-file limit unknown)")
                + ", heap-derived " + heapDerived + " (" + HEAP_SHARE_PERCENT + "% of max heap " + maxHeapBytes / (1024 * 1024)
                + " MiB / " + heapPerConnection / 1024 + " KiB per connection)";
    }

    /**
     * The soft open-file limit: from the JVM ({@code UnixOperatingSystemMXBean}), else from
     * {@code /proc/self/limits}; empty when neither knows (or it is unlimited).
     */
    public static OptionalLong processOpenFileLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix && unix.getMaxFileDescriptorCount() > 0) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        try {
            return parseProcLimits(Files.readAllLines(Path.of("/proc/self/limits")));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The soft limit of the "Max open files" line of {@code /proc/<pid>/limits}. */
    static OptionalLong parseProcLimits(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("Max open files")) {
                String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                if (fields.length > 0 && fields[0].matches("\\d+")) {
                    return OptionalLong.of(Long.parseLong(fields[0]));
                }
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    private static int clamp(long value) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, value));
    }
}
