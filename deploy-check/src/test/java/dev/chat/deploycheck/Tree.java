package dev.chat.deploycheck;

import java.util.List;
import java.util.Map;

/** Reading parsed YAML (maps, lists, scalars) by path, without a schema. Absent means null or empty. */
final class Tree {

    private Tree() {
    }

    static Object at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node, String... path) {
        return at(node, path) instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node, String... path) {
        return at(node, path) instanceof List<?> list ? (List<Object>) list : List.of();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object node, String... path) {
        return list(node, path).stream()
                .filter(Map.class::isInstance)
                .map(item -> (Map<String, Object>) item)
                .toList();
    }

    /** A scalar as text ({@code 8080} and {@code "8080"} alike), or null. */
    static String text(Object node, String... path) {
        Object value = at(node, path);
        return value == null || value instanceof Map || value instanceof List ? null : value.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> strings(Object node, String... path) {
        Map<String, Object> raw = map(node, path);
        var result = new java.util.LinkedHashMap<String, String>();
        raw.forEach((key, value) -> result.put(key, value == null ? null : value.toString()));
        return result;
    }
}
