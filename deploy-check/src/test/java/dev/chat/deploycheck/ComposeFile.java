package dev.chat.deploycheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker-compose.yml as parsed YAML. SnakeYAML resolves anchors and {@code <<} merge keys the way
 * Compose does; both forms of {@code environment} and {@code depends_on} (map and list) are read.
 */
final class ComposeFile {

    private final Map<String, Object> root;

    private ComposeFile(Map<String, Object> root) {
        this.root = root;
    }

    @SuppressWarnings("unchecked")
    static ComposeFile load(Path file) {
        try {
            return new ComposeFile((Map<String, Object>) Manifests.yaml().load(Files.readString(file)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    Map<String, Object> services() {
        return Tree.map(root, "services");
    }

    Map<String, Object> service(String name) {
        Map<String, Object> service = Tree.map(services(), name);
        if (service.isEmpty()) {
            throw new AssertionError("docker-compose.yml has no service " + name);
        }
        return service;
    }

    private static final java.util.regex.Pattern INTERPOLATION =
            java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    /** A value as Compose interpolates it in an empty environment: {@code ${NAME:-default}} is the default. */
    static String interpolate(String value) {
        return value == null ? null : INTERPOLATION.matcher(value).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(2) == null ? "" : m.group(2)));
    }

    /** Variable name to value (as text, interpolated; null for a bare {@code - NAME} entry). */
    Map<String, String> environment(String name) {
        Object environment = Tree.at(service(name), "environment");
        var result = new LinkedHashMap<String, String>();
        if (environment instanceof Map<?, ?> map) {
            map.forEach((key, value) -> result.put(key.toString(), value == null ? null : interpolate(value.toString())));
        } else if (environment instanceof List<?> list) {
            for (Object item : list) {
                String entry = item.toString();
                int eq = entry.indexOf('=');
                result.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? null : interpolate(entry.substring(eq + 1)));
            }
        }
        return result;
    }

    /** Service name to the condition it waits for ({@code service_started} for the short list form). */
    Map<String, String> dependsOn(String name) {
        Object dependsOn = Tree.at(service(name), "depends_on");
        var result = new LinkedHashMap<String, String>();
        if (dependsOn instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                String condition = Tree.text(value, "condition");
                result.put(key.toString(), condition == null ? "service_started" : condition);
            });
        } else if (dependsOn instanceof List<?> list) {
            list.forEach(item -> result.put(item.toString(), "service_started"));
        }
        return result;
    }

    /** The memory limit from {@code deploy.resources.limits.memory} or {@code mem_limit}, or null. */
    String memoryLimit(String name) {
        String limit = Tree.text(service(name), "deploy", "resources", "limits", "memory");
        return limit != null ? limit : Tree.text(service(name), "mem_limit");
    }

    boolean hasHealthcheck(String name) {
        Map<String, Object> healthcheck = Tree.map(service(name), "healthcheck");
        Object test = healthcheck.get("test");
        boolean hasTest = test instanceof List<?> list ? !list.isEmpty() && !"NONE".equals(list.getFirst())
                : test != null && !test.toString().isBlank();
        return hasTest && !Boolean.TRUE.equals(healthcheck.get("disable"));
    }
}
