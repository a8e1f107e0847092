package dev.chat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM flags a service runs with in production, read from where they are defined, so the benchmark
 * never drifts from the images: the jib {@code <jvmFlag>}s of the root pom and of the service's pom, and
 * the container limits of {@code k8s/base/<service>.yaml}. In a container, {@code -XX:MaxRAMPercentage}
 * of the memory limit is the heap and the CPU limit is what the JVM sees; outside one, that is given
 * explicitly ({@code -Xmx} = percentage x limit, {@code -XX:ActiveProcessorCount} = CPU limit).
 */
final class ImageFlags {

    private static final Pattern JVM_FLAG = Pattern.compile("<jvmFlag>([^<]+)</jvmFlag>");
    private static final Pattern LIMITS = Pattern.compile("limits:\\s*\\n\\s*cpu:\\s*\"?([0-9.]+)(m?)\"?\\s*\\n\\s*memory:\\s*([0-9]+)(Mi|Gi)");
    private static final Pattern PERCENT = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)");

    /** The flags and limits of one service's image. */
    record Image(List<String> flags, int memoryLimitMib, int cpus) {
    }

    private ImageFlags() {
    }

    static Image of(Path root, String module) {
        List<String> flags = new ArrayList<>(flagsIn(root.resolve("pom.xml")));
        flags.addAll(flagsIn(root.resolve(module).resolve("pom.xml")));
        Matcher limits = LIMITS.matcher(read(root.resolve("k8s/base/" + module + ".yaml")));
        if (!limits.find()) {
            throw new IllegalStateException("no resources.limits (cpu, memory) in k8s/base/" + module + ".yaml");
        }
        double cpu = Double.parseDouble(limits.group(1)) / (limits.group(2).equals("m") ? 1000 : 1);
        int memory = Integer.parseInt(limits.group(3)) * (limits.group(4).equals("Gi") ? 1024 : 1);
        return new Image(flags, memory, Math.max(1, (int) Math.round(cpu)));
    }

    /** The command-line options that give a process outside a container what the image gives it inside one. */
    static List<String> asProcessOptions(Image image) {
        List<String> options = new ArrayList<>();
        for (String flag : image.flags()) {
            Matcher percent = PERCENT.matcher(flag);
            if (percent.matches()) {
                long heap = Math.round(image.memoryLimitMib() * Double.parseDouble(percent.group(1)) / 100);
                options.add("-Xmx" + heap + "m");
                options.add("-Xms" + heap + "m");
            } else {
                options.add(flag);
            }
        }
        options.add("-XX:ActiveProcessorCount=" + image.cpus());
        return options;
    }

    private static List<String> flagsIn(Path pom) {
        String text = read(pom);
        int jib = text.indexOf("jib-maven-plugin");
        List<String> flags = new ArrayList<>();
        if (jib < 0) {
            return flags;
        }
        Matcher m = JVM_FLAG.matcher(text.substring(jib));
        while (m.find()) {
            flags.add(m.group(1).trim());
        }
        return flags;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
