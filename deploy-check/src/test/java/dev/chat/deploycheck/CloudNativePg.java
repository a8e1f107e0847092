package dev.chat.deploycheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Structural checks of a CloudNativePG {@code Cluster} (postgresql.cnpg.io/v1): no package on a reachable
 * registry ships its CRD schema, so the fields this project uses are checked by name and type, as the
 * CloudNativePG API reference gives them. A field not listed here is reported, so a typo cannot pass
 * silently; add a field to {@link #SPEC} when the component starts to use it.
 */
final class CloudNativePg {

    /** spec fields: name -> type ("string", "integer", "boolean", "object", "array"), with nested objects as maps. */
    static final Map<String, Object> SPEC = Map.ofEntries(
            Map.entry("instances", "integer"),
            Map.entry("imageName", "string"),
            Map.entry("primaryUpdateStrategy", "string"),
            Map.entry("storage", Map.of("size", "string", "storageClass", "string")),
            Map.entry("bootstrap", Map.of("initdb", Map.of("database", "string", "owner", "string",
                    "secret", Map.of("name", "string")))),
            Map.entry("managed", Map.of("roles", List.of(Map.of("name", "string", "ensure", "string", "login", "boolean",
                    "passwordSecret", Map.of("name", "string"), "inRoles", "array", "connectionLimit", "integer")))),
            Map.entry("postgresql", Map.of("parameters", "object")),
            Map.entry("affinity", Map.of("enablePodAntiAffinity", "boolean", "topologyKey", "string")),
            Map.entry("resources", "object"));

    private CloudNativePg() {
    }

    static List<String> cluster(Map<String, Object> cluster) {
        List<String> problems = new ArrayList<>();
        check(SPEC, Tree.at(cluster, "spec"), "spec", problems);
        Object instances = Tree.at(cluster, "spec", "instances");
        if (!(instances instanceof Integer n) || n < 1) {
            problems.add("spec.instances must be an integer >= 1, is " + instances);
        }
        for (String required : List.of("storage.size", "bootstrap.initdb.database", "bootstrap.initdb.owner")) {
            if (Tree.text(cluster, ("spec." + required).split("\\.")) == null) {
                problems.add("spec." + required + " is required here");
            }
        }
        for (Map<String, Object> role : Tree.maps(cluster, "spec", "managed", "roles")) {
            if (!List.of("present", "absent").contains(String.valueOf(role.getOrDefault("ensure", "present")))) {
                problems.add("spec.managed.roles " + role.get("name") + ": ensure must be present or absent");
            }
        }
        return problems;
    }

    @SuppressWarnings("unchecked")
    private static void check(Object schema, Object value, String path, List<String> problems) {
        if (value == null) {
            return;
        }
        if (schema instanceof Map<?, ?> fields) {
            if (!(value instanceof Map<?, ?> object)) {
                problems.add(path + ": must be an object");
                return;
            }
            object.forEach((key, child) -> {
                if (!fields.containsKey(key)) {
                    problems.add(path + "." + key + ": unknown field");
                } else {
                    check(fields.get(key), child, path + "." + key, problems);
                }
            });
        } else if (schema instanceof List<?> itemSchema) {
            if (!(value instanceof List<?> items)) {
                problems.add(path + ": must be an array");
                return;
            }
            for (int i = 0; i < items.size(); i++) {
                check(itemSchema.getFirst(), items.get(i), path + "[" + i + "]", problems);
            }
        } else {
            boolean ok = switch ((String) schema) {
                case "string" -> value instanceof String;
                case "integer" -> value instanceof Integer || value instanceof Long;
                case "boolean" -> value instanceof Boolean;
                case "array" -> value instanceof List;
                default -> value instanceof Map;
            };
            if (!ok) {
                problems.add(path + ": must be " + schema + ", is " + value);
            }
        }
    }
}
