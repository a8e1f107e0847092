package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The benchmark runs each service with its image's flags and limits, read from the build itself. */
class ImageFlagsTest {

    private final Path root = Path.of(System.getProperty("chat.project.root", "..")).toAbsolutePath().normalize();

    @Test
    void eachServiceGetsItsImagesFlagsWithTheHeapAndCpusItsLimitsGive() {
        for (String module : List.of("gateway-service", "message-service", "websocket-service", "notification-service")) {
            ImageFlags.Image image = ImageFlags.of(root, module);
            assertThat(image.memoryLimitMib()).as(module).isPositive();
            assertThat(image.flags()).as(module).contains("-XX:+ExitOnOutOfMemoryError")
                    .anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
            List<String> options = ImageFlags.asProcessOptions(image);
            assertThat(options).as(module).anyMatch(o -> o.startsWith("-Xmx")).noneMatch(o -> o.startsWith("-XX:MaxRAMPercentage"))
                    .contains("-XX:ActiveProcessorCount=" + image.cpus());
            long heap = Long.parseLong(options.stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElseThrow()
                    .replaceAll("\\D", ""));
            assertThat(heap).as(module).isLessThan(image.memoryLimitMib());
        }
    }
}
