package dev.chat.deploycheck;

import java.util.List;
import java.util.Map;

/** Kubernetes label selectors ({@code matchLabels} and {@code matchExpressions}) evaluated against pod labels. */
final class LabelSelector {

    private LabelSelector() {
    }

    /** An empty selector ({@code {}}) matches every pod, as in a NetworkPolicy's podSelector. */
    static boolean matches(Map<String, Object> selector, Map<String, String> labels) {
        boolean labelsMatch = Tree.strings(selector, "matchLabels").entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        boolean expressionsMatch = Tree.maps(selector, "matchExpressions").stream().allMatch(expression -> {
            String key = Tree.text(expression, "key");
            List<String> values = Tree.list(expression, "values").stream().map(Object::toString).toList();
            return switch (String.valueOf(expression.get("operator"))) {
                case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
                case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
                case "Exists" -> labels.containsKey(key);
                case "DoesNotExist" -> !labels.containsKey(key);
                default -> false;
            };
        });
        return labelsMatch && expressionsMatch;
    }
}
