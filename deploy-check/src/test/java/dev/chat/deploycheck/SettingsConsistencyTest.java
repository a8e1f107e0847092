package dev.chat.deploycheck;

import static dev.chat.deploycheck.DeploymentDescriptorsTest.ROOT;
import static dev.chat.deploycheck.DeploymentDescriptorsTest.SERVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The environment the deployments give each service against what the service reads (data:
 * src/test/resources/service-settings.yaml). What a service reads is derived from the service: the keys of its
 * application.yml, the {@code @ConfigurationProperties} prefixes of its sources and shared-lib's, and the
 * Spring Boot configuration metadata of every jar in its exec jar (spring.kafka.*, spring.r2dbc.*, ...).
 * An environment variable is read when Spring's relaxed binding maps it to one of those (SPRING_R2DBC_URL ->
 * spring.r2dbc.url; names under a map or a properties prefix, such as SPRING_KAFKA_PROPERTIES_SASL_MECHANISM,
 * count as read by that prefix).
 */
@DisplayName("settings: what compose and the overlays set = what the services read")
class SettingsConsistencyTest {

    static final List<String> services = SERVICES;
    private static final Pattern CONFIGURATION_PROPERTIES =
            Pattern.compile("@ConfigurationProperties\\(\\s*(?:(?:value|prefix)\\s*=\\s*)?\"([^\"]+)\"");
    private static final Map<String, Known> KNOWN = new ConcurrentHashMap<>();

    /** Property names (exact) and prefixes (everything below them) a service binds. */
    record Known(Set<String> names, Set<String> prefixes) {

        boolean reads(String variable) {
            return names.stream().anyMatch(name -> envForms(name).contains(variable))
                    || prefixes.stream().anyMatch(prefix -> envForms(prefix).stream().anyMatch(form -> variable.startsWith(form + "_")));
        }

        /** Relaxed binding's two environment forms of a property: dashes dropped, or dashes as underscores. */
        static Set<String> envForms(String property) {
            String upper = property.toUpperCase(Locale.ROOT).replace('.', '_').replace("[", "_").replace("]", "");
            return new java.util.HashSet<>(List.of(upper.replace("-", ""), upper.replace('-', '_')));
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> data() throws IOException {
        try (InputStream in = SettingsConsistencyTest.class.getResourceAsStream("/service-settings.yaml")) {
            return (Map<String, Object>) Manifests.yaml().load(in);
        }
    }

    /** Where each service gets which variables: docker-compose.yml and every overlay (where kubectl is installed). */
    static Map<String, Set<String>> setFor(String service) {
        Map<String, Set<String>> where = new LinkedHashMap<>();
        where.put("docker-compose.yml", new TreeSet<>(ComposeFile.load(ROOT.resolve("docker-compose.yml")).environment(service).keySet()));
        if (Kustomize.command().isPresent()) {
            for (String overlay : DeploymentDescriptorsTest.OVERLAYS) {
                where.put("overlays/" + overlay, new TreeSet<>(DeploymentDescriptorsTest.overlay(overlay).envOf("Deployment", service).keySet()));
            }
        }
        return where;
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("services")
    void everyVariableSetForAServiceIsReadByIt(String service) throws IOException {
        Known known = known(service);
        Map<String, Object> pending = Tree.map(data(), "pending", service);
        assertSoftly(softly -> setFor(service).forEach((where, variables) -> variables.forEach(variable -> {
            if (!pending.containsKey(variable)) {
                softly.assertThat(known.reads(variable)).as("%s sets %s for %s, which reads no such setting "
                        + "(a typo, or a setting it does not have: list it under pending in service-settings.yaml if it is coming)",
                        where, variable, service).isTrue();
            }
        })));
        pending.keySet().stream().filter(known::reads).forEach(variable -> System.out.printf(
                "service-settings.yaml: %s now reads %s; its pending entry can go%n", service, variable));
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("services")
    @SuppressWarnings("unchecked")
    void everySettingWithoutASafeDefaultIsSetEverywhere(String service) throws IOException {
        List<Object> required = Tree.list(data(), "required", service);
        assertThat(required).as("service-settings.yaml lists %s", service).isNotEmpty();
        assertSoftly(softly -> setFor(service).forEach((where, variables) -> required.forEach(entry -> {
            List<String> anyOf = entry instanceof Map<?, ?> group ? (List<String>) group.get("one-of") : List.of(entry.toString());
            softly.assertThat(anyOf).as("%s sets %s for %s", where, String.join(" or ", anyOf), service).anyMatch(variables::contains);
        })));
    }

    @Test
    void everyPendingEntryIsSetSomewhereAndTheDerivationFindsRealSettings() throws IOException {
        Map<String, Object> pending = Tree.map(data(), "pending");
        assertSoftly(softly -> pending.forEach((service, entries) -> (entries == null ? Map.of() : (Map<?, ?>) entries).keySet().forEach(variable ->
                softly.assertThat(setFor(service).values()).as("pending %s for %s is set somewhere", variable, service)
                        .anyMatch(set -> set.contains(variable)))));
        Known message = known("message-service");
        assertThat(message.reads("SPRING_R2DBC_URL")).as("from application.yml").isTrue();
        assertThat(message.reads("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")).as("under spring.kafka.properties (Boot metadata)").isTrue();
        assertThat(message.reads("SPRING_KAFKA_SSL_TRUST_STORE_LOCATION")).as("Boot metadata").isTrue();
        assertThat(message.reads("CHAT_AUTH_JWT_JWK_SET_URI")).as("shared-lib @ConfigurationProperties").isTrue();
        assertThat(message.reads("SPRING_R2DBC_URI")).as("a typo").isFalse();
        assertThat(known("gateway-service").reads("SPRING_R2DBC_URL")).as("the gateway has no database").isFalse();
    }

    static Known known(String service) {
        return KNOWN.computeIfAbsent(service, s -> {
            try {
                Set<String> names = new TreeSet<>();
                Set<String> prefixes = new TreeSet<>();
                Path yml = ROOT.resolve(s).resolve("src/main/resources/application.yml");
                if (Files.exists(yml)) {
                    flatten("", Manifests.yaml().load(Files.readString(yml)), names);
                }
                for (Path sources : List.of(ROOT.resolve(s).resolve("src/main/java"), ROOT.resolve("shared-lib/src/main/java"))) {
                    try (Stream<Path> files = Files.walk(sources)) {
                        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                            String source = Files.readString(file);
                            Matcher m = CONFIGURATION_PROPERTIES.matcher(source);
                            while (m.find()) {
                                recordComponents(m.group(1), source.substring(m.end()), names, prefixes);
                            }
                        }
                    }
                }
                bootMetadata(s, names, prefixes);
                return new Known(names, prefixes);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static final Set<String> SCALARS = Set.of("String", "int", "long", "short", "boolean", "double", "Integer",
            "Long", "Short", "Boolean", "Double", "Duration", "URI", "DataSize", "Path", "Resource");

    /**
     * A {@code @ConfigurationProperties} record: prefix + each component (kebab-case); scalar components are exact
     * names, the others (maps, lists, nested records) prefixes. A class that is not a record: its whole prefix.
     */
    private static void recordComponents(String prefix, String after, Set<String> names, Set<String> prefixes) {
        Matcher record = Pattern.compile("^[^{;]*?\\brecord\\s+\\w+\\s*\\(").matcher(after);
        if (!record.find()) {
            prefixes.add(prefix);
            return;
        }
        int depth = 1;
        int i = record.end();
        StringBuilder component = new StringBuilder();
        List<String> components = new ArrayList<>();
        for (; i < after.length() && depth > 0; i++) {
            char c = after.charAt(i);
            if (c == '(' || c == '<') {
                depth++;
            } else if (c == ')' || c == '>') {
                depth--;
            }
            if (depth == 1 && c == ',' || depth == 0) {
                components.add(component.toString());
                component.setLength(0);
            } else {
                component.append(c);
            }
        }
        for (String raw : components) {
            String cleaned = raw.replaceAll("@\\w+(\\([^)]*\\))?", " ").replaceAll("<.*>", "").trim();
            String[] tokens = cleaned.split("\\s+");
            if (tokens.length < 2) {
                continue;
            }
            String name = prefix + "." + tokens[tokens.length - 1].replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            (SCALARS.contains(tokens[tokens.length - 2]) ? names : prefixes).add(name);
        }
    }

    private static void flatten(String prefix, Object node, Set<String> names) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, names));
        } else {
            names.add(prefix);
        }
    }

    /** The configuration metadata of every jar the service ships (BOOT-INF/lib of its exec jar). */
    private static void bootMetadata(String service, Set<String> names, Set<String> prefixes) throws IOException {
        Path execJar = ROOT.resolve(service).resolve("target/" + service + "-" + DeploymentDescriptorsTest.IMAGE_TAG + "-exec.jar");
        assertThat(execJar).as("%s's exec jar (built before deploy-check)", service).exists();
        ObjectMapper json = new ObjectMapper();
        try (ZipFile jar = new ZipFile(execJar.toFile())) {
            for (ZipEntry entry : jar.stream().filter(e -> e.getName().startsWith("BOOT-INF/lib/") && e.getName().endsWith(".jar")).toList()) {
                try (ZipInputStream nested = new ZipInputStream(jar.getInputStream(entry))) {
                    for (ZipEntry inner; (inner = nested.getNextEntry()) != null; ) {
                        String name = inner.getName();
                        if (name.equals("META-INF/spring-configuration-metadata.json")
                                || name.equals("META-INF/additional-spring-configuration-metadata.json")) {
                            JsonNode metadata = json.readTree(nested.readAllBytes());
                            for (JsonNode property : metadata.path("properties")) {
                                String propertyName = property.path("name").asText();
                                names.add(propertyName);
                                if (property.path("type").asText().startsWith("java.util.Map")) {
                                    prefixes.add(propertyName);
                                }
                            }
                        }
                    }
                }
            }
        }
        List<String> none = new ArrayList<>();
        if (names.stream().noneMatch(n -> n.startsWith("server."))) {
            none.add("server.*");
        }
        assertThat(none).as("%s: Spring Boot's metadata was found", service).isEmpty();
    }
}
