package dev.chat.deploycheck;

import static dev.chat.deploycheck.DeploymentDescriptorsTest.ROOT;
import static dev.chat.deploycheck.DeploymentDescriptorsTest.SERVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The service images as CI builds them (profile image-check of the root pom: Jib to
 * {@code <service>/target/image-check/jib-image.tar}, from a JRE base jlinked from the build's JDK), read
 * without Docker: user, entrypoint, port, JVM flags, labels, content; and the memory budget: what the JVM
 * makes of the image's flags under each memory limit set in k8s/ and docker-compose.yml must stay below it.
 */
@DisplayName("service images (target/image-check/jib-image.tar)")
class ImagesTest {

    static final List<String> services = SERVICES;
    /** Flags every image must set explicitly (docs/deployment.md "Memory"). */
    static final List<String> REQUIRED_FLAGS = List.of("-XX:MaxRAMPercentage=", "-XX:MaxDirectMemorySize=",
            "-XX:MaxMetaspaceSize=", "-XX:ReservedCodeCacheSize=", "-Xss", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
    private static final Map<String, ImageTar> IMAGES = new ConcurrentHashMap<>();

    static ImageTar image(String service) {
        assumeFalse(Boolean.getBoolean("images.check.skip"),
                "-Dimages.check.skip: the images were not built, so they are not checked");
        return IMAGES.computeIfAbsent(service, s -> {
            Path tar = ROOT.resolve(s).resolve("target/image-check/jib-image.tar");
            assertThat(tar).as("%s: the image tar; `./mvnw verify` builds it (profile image-check of the root pom)", s)
                    .exists();
            try {
                return ImageTar.read(tar);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + tar, e);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("services")
    void runsTheServiceAsNonRootOnPort8080WithItsLabels(String service) {
        ImageTar image = image(service);
        List<String> entrypoint = image.entrypoint();
        String mainClass = entrypoint.getLast();
        assertSoftly(softly -> {
            softly.assertThat(image.config.at("/config/User").asText()).as("user").isEqualTo("65532:65532");
            softly.assertThat(image.config.at("/config/ExposedPorts").properties()).as("exposed ports")
                    .extracting(Map.Entry::getKey).containsExactly("8080/tcp");
            softly.assertThat(entrypoint.getFirst()).as("entrypoint").isEqualTo("java");
            softly.assertThat(entrypoint.subList(entrypoint.size() - 3, entrypoint.size() - 1))
                    .as("classpath").containsExactly("-cp", "@/app/jib-classpath-file");
            softly.assertThat(mainClass).as("main class").startsWith("dev.chat.");
            softly.assertThat(image.paths).as("the main class is in the image")
                    .contains("/app/classes/" + mainClass.replace('.', '/') + ".class");
            softly.assertThat(image.paths).as("application.yml and shared-lib").contains("/app/resources/application.yml",
                    "/app/libs/shared-lib-" + DeploymentDescriptorsTest.IMAGE_TAG + ".jar");
            softly.assertThat(image.paths).as("a Java runtime").contains("/opt/java/openjdk/bin/java");
            softly.assertThat(image.config.at("/config/Env").toString()).as("env").contains("MALLOC_ARENA_MAX=2");
            softly.assertThat(image.label("org.opencontainers.image.title")).as("title label").isEqualTo(service);
            softly.assertThat(image.label("org.opencontainers.image.version")).as("version label")
                    .isEqualTo(DeploymentDescriptorsTest.IMAGE_TAG);
            for (String label : List.of("description", "revision", "base.name", "vendor")) {
                softly.assertThat(image.label("org.opencontainers.image." + label)).as("label %s", label).isNotBlank();
            }
            softly.assertThat(image.config.at("/architecture").asText()).as("architecture").isIn("amd64", "arm64");
        });
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("services")
    void setsEveryMemoryFlagExplicitly(String service) {
        List<String> flags = jvmFlags(image(service));
        assertSoftly(softly -> REQUIRED_FLAGS.forEach(required ->
                softly.assertThat(flags).as("%s: %s", service, required).anyMatch(flag -> flag.startsWith(required))));
    }

    /**
     * heap (the JVM's MaxHeapSize for the limit) + metaspace + code cache + direct memory caps + threads x stack
     * + measured other native memory (images/memory-budget.yaml) stay below limit x (1 - headroom), for every
     * memory limit the service gets: k8s/base, each rendered overlay (where kubectl is installed), docker-compose.yml.
     */
    @ParameterizedTest(name = "{0}")
    @FieldSource("services")
    void fitsTheMemoryLimitWithHeadroom(String service) throws Exception {
        List<String> flags = jvmFlags(image(service));
        Map<String, Object> budget = Tree.map(MemoryBudget.yaml(), "services", service);
        assertThat(budget).as("images/memory-budget.yaml has %s", service).isNotEmpty();
        int headroom = ((Number) MemoryBudget.yaml().get("headroom-percent")).intValue();
        long threads = ((Number) budget.get("threads")).longValue();
        long otherNative = ((Number) budget.get("other-native")).longValue() << 20;

        Map<String, Long> limits = memoryLimits(service);
        assertThat(limits).as("%s: memory limits found", service).isNotEmpty();
        assertSoftly(softly -> limits.forEach((where, limit) -> {
            Map<String, Long> jvm = MemoryBudget.finalFlags(flags, limit);
            long total = jvm.get("MaxHeapSize") + jvm.get("MaxMetaspaceSize") + jvm.get("ReservedCodeCacheSize")
                    + jvm.get("MaxDirectMemorySize") + threads * (jvm.get("ThreadStackSize") << 10) + otherNative;
            softly.assertThat(total).as("%s, %s: heap %d MiB + metaspace %d + code %d + direct %d + %d threads x %d KiB + other %d"
                            + " = %d MiB <= %d%% of the limit %d MiB", service, where, jvm.get("MaxHeapSize") >> 20,
                    jvm.get("MaxMetaspaceSize") >> 20, jvm.get("ReservedCodeCacheSize") >> 20, jvm.get("MaxDirectMemorySize") >> 20,
                    threads, jvm.get("ThreadStackSize"), otherNative >> 20, total >> 20, 100 - headroom, limit >> 20)
                    .isLessThanOrEqualTo(limit * (100 - headroom) / 100);
            softly.assertThat(jvm.get("MaxHeapSize")).as("%s, %s: a heap of at least 128 MiB", service, where)
                    .isGreaterThanOrEqualTo(128L << 20);
        }));
    }

    /**
     * Issue 10's sizing: a production websocket node holds 100,000 idle sessions. The node derives its connection
     * limit from its heap (60 % of it, at an assumed 16 KiB per session: shared-lib {@code ConnectionLimit},
     * {@code WebSocketProperties.DERIVED_CONNECTION_HEAP_BYTES}; measured 9.9 KiB idle, docs/benchmarks.md), so the heap
     * the image's flags give for the production memory limit must carry that many.
     */
    @Test
    void aProductionWebSocketNodeHasTheHeapFor100000Sessions() throws Exception {
        assumeTrue(Kustomize.command().isPresent(), "kubectl or kustomize needed to render the overlays");
        List<String> flags = jvmFlags(image("websocket-service"));
        long perSession = 16 * 1024;
        int heapSharePercent = 60;
        for (String overlay : List.of("prod", "prod-operators")) {
            long limit = memoryLimits("websocket-service").get("overlays/" + overlay);
            long heap = MemoryBudget.finalFlags(flags, limit).get("MaxHeapSize");
            assertThat(heap / 100 * heapSharePercent / perSession)
                    .as("%s: sessions a node's heap of %d MiB (limit %d MiB) holds", overlay, heap >> 20, limit >> 20)
                    .isGreaterThanOrEqualTo(100_000);
        }
    }

    static List<String> jvmFlags(ImageTar image) {
        List<String> entrypoint = image.entrypoint();
        return entrypoint.subList(1, entrypoint.indexOf("-cp"));
    }

    /** Where the service's memory limit is set, and to what (bytes). */
    static Map<String, Long> memoryLimits(String service) throws IOException {
        Map<String, Long> limits = new LinkedHashMap<>();
        Manifests base = Manifests.parse(service, Files.readString(ROOT.resolve("k8s/base/" + service + ".yaml")));
        limits.put("k8s/base", MemoryBudget.bytes(Tree.text(Manifests.mainContainer(base.get("Deployment", service)),
                "resources", "limits", "memory")));
        if (Kustomize.command().isPresent()) {
            for (String overlay : DeploymentDescriptorsTest.OVERLAYS) {
                Manifests rendered = DeploymentDescriptorsTest.overlay(overlay);
                limits.put("overlays/" + overlay, MemoryBudget.bytes(Tree.text(
                        Manifests.mainContainer(rendered.get("Deployment", service)), "resources", "limits", "memory")));
            }
        }
        limits.put("docker-compose.yml", MemoryBudget.bytes(ComposeFile.load(ROOT.resolve("docker-compose.yml")).memoryLimit(service)));
        return limits;
    }

    /** images/memory-budget.yaml, quantities, and the JVM's own reading of a set of flags. */
    static final class MemoryBudget {

        private static final Pattern FLAG = Pattern.compile("^\\s*\\S+\\s+(\\w+)\\s+=\\s+(\\d+)\\s", Pattern.MULTILINE);
        private static Map<String, Object> yaml;

        @SuppressWarnings("unchecked")
        static synchronized Map<String, Object> yaml() {
            if (yaml == null) {
                try {
                    yaml = (Map<String, Object>) Manifests.yaml().load(Files.readString(ROOT.resolve("images/memory-budget.yaml")));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return yaml;
        }

        /** Kubernetes (Mi, Gi) and Compose (M, G: binary too) memory quantities. */
        static long bytes(String quantity) {
            assertThat(quantity).as("memory limit").isNotBlank();
            Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|K|M|G|k|m|g|b)?").matcher(quantity.trim());
            assertThat(m.matches()).as("memory quantity %s", quantity).isTrue();
            long value = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "" : m.group(2);
            return switch (unit.toLowerCase().replace("i", "")) {
                case "k" -> value << 10;
                case "m" -> value << 20;
                case "g" -> value << 30;
                default -> value;
            };
        }

        /** -XX:+PrintFlagsFinal of this JVM with the image's flags and MaxRAM = the limit (as a container limit). */
        static Map<String, Long> finalFlags(List<String> flags, long limit) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(flags);
            command.addAll(List.of("-XX:MaxRAM=" + limit, "-XX:+PrintFlagsFinal", "-version"));
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).as("the JVM accepts the image's flags: %s\n%s", flags, output).isZero();
                Map<String, Long> values = new LinkedHashMap<>();
                Matcher m = FLAG.matcher(output);
                while (m.find()) {
                    if (m.group(2).length() < 19) {
                        values.put(m.group(1), Long.parseLong(m.group(2)));
                    }
                }
                return values;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
