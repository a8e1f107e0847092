package dev.chat.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of the stack's processes (PostgreSQL with its backends, which are the postmaster's
 * descendants) and of this generator, between two samples.
 */
final class Cpu {

    private Cpu() {
    }

    static Map<String, Duration> sample(Map<String, ProcessHandle> processes) {
        Map<String, Duration> cpu = new LinkedHashMap<>();
        processes.forEach((name, handle) -> {
            Duration total = cpuOf(handle);
            if (name.equals("postgres")) {
                for (ProcessHandle child : handle.descendants().toList()) {
                    total = total.plus(cpuOf(child));
                }
            }
            cpu.put(name, total);
        });
        cpu.put("load generator", Duration.ofNanos(ownCpuNanos()));
        return cpu;
    }

    static Map<String, Duration> between(Map<String, Duration> before, Map<String, Duration> after) {
        Map<String, Duration> used = new LinkedHashMap<>();
        after.forEach((name, total) -> used.put(name, total.minus(before.getOrDefault(name, Duration.ZERO))));
        return used;
    }

    private static Duration cpuOf(ProcessHandle handle) {
        return handle.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private static long ownCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
