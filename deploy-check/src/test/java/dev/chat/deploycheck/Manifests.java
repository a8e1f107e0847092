package dev.chat.deploycheck;

import static dev.chat.deploycheck.Tree.map;
import static dev.chat.deploycheck.Tree.maps;
import static dev.chat.deploycheck.Tree.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The objects of one rendered overlay (a multi-document YAML stream), with the look-ups the checks need. */
final class Manifests {

    /** One environment variable of a container: a literal value, or a reference to a ConfigMap or Secret key. */
    record EnvVar(String name, String value, String configMap, String secret, String key) {

        boolean fromConfigMap() {
            return configMap != null;
        }

        boolean fromSecret() {
            return secret != null;
        }
    }

    private final String name;
    private final List<Map<String, Object>> objects;

    private Manifests(String name, List<Map<String, Object>> objects) {
        this.name = name;
        this.objects = objects;
    }

    @SuppressWarnings("unchecked")
    static Manifests parse(String name, String multiDocumentYaml) {
        var objects = new ArrayList<Map<String, Object>>();
        for (Object document : yaml().loadAll(multiDocumentYaml)) {
            if (document instanceof Map<?, ?> object) {
                objects.add((Map<String, Object>) object);
            }
        }
        return new Manifests(name, objects);
    }

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    String name() {
        return name;
    }

    List<Map<String, Object>> all() {
        return objects;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String objectName) {
        return ofKind(kind).stream().filter(o -> objectName.equals(nameOf(o))).findFirst();
    }

    Map<String, Object> get(String kind, String objectName) {
        return find(kind, objectName).orElseThrow(
                () -> new AssertionError(name + ": no " + kind + " named " + objectName + " in the rendered overlay"));
    }

    /** Deployments, StatefulSets and Jobs: everything that owns a pod template. */
    List<Map<String, Object>> workloads() {
        var workloads = new ArrayList<>(ofKind("Deployment"));
        workloads.addAll(ofKind("StatefulSet"));
        workloads.addAll(ofKind("Job"));
        return workloads;
    }

    static String nameOf(Map<String, Object> object) {
        return text(object, "metadata", "name");
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(workload, "spec", "template", "spec");
    }

    static Map<String, String> podLabels(Map<String, Object> workload) {
        return Tree.strings(workload, "spec", "template", "metadata", "labels");
    }

    /** The workload's main container: the one named like the workload, else the first. */
    static Map<String, Object> mainContainer(Map<String, Object> workload) {
        List<Map<String, Object>> containers = maps(podSpec(workload), "containers");
        return containers.stream().filter(c -> nameOf(workload).equals(c.get("name"))).findFirst()
                .orElse(containers.isEmpty() ? Map.of() : containers.getFirst());
    }

    static List<EnvVar> env(Map<String, Object> container) {
        var env = new ArrayList<EnvVar>();
        for (Map<String, Object> entry : maps(container, "env")) {
            Map<String, Object> configMapRef = map(entry, "valueFrom", "configMapKeyRef");
            Map<String, Object> secretRef = map(entry, "valueFrom", "secretKeyRef");
            env.add(new EnvVar(text(entry, "name"), text(entry, "value"),
                    text(configMapRef, "name"), text(secretRef, "name"),
                    Optional.ofNullable(text(configMapRef, "key")).orElse(text(secretRef, "key"))));
        }
        return env;
    }

    /** The environment of a workload's main container by name. */
    Map<String, EnvVar> envOf(String kind, String workloadName) {
        var byName = new LinkedHashMap<String, EnvVar>();
        env(mainContainer(get(kind, workloadName))).forEach(e -> byName.put(e.name(), e));
        return byName;
    }

    /**
     * The value a container would see: the literal, or the key of a rendered ConfigMap or Secret
     * (decoded). Empty when it comes from an object that is not part of the overlay (a Secret made
     * out of band) or when the key does not exist.
     */
    Optional<String> resolve(EnvVar variable) {
        if (variable.fromConfigMap()) {
            return find("ConfigMap", variable.configMap()).map(cm -> Tree.text(cm, "data", variable.key()));
        }
        if (variable.fromSecret()) {
            return find("Secret", variable.secret()).map(secret -> {
                String plain = Tree.text(secret, "stringData", variable.key());
                if (plain != null) {
                    return plain;
                }
                String encoded = Tree.text(secret, "data", variable.key());
                return encoded == null ? null : new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            });
        }
        return Optional.ofNullable(variable.value());
    }

    /** The resolved value of one variable of a workload, or null. */
    String valueOf(String kind, String workloadName, String variable) {
        EnvVar env = envOf(kind, workloadName).get(variable);
        return env == null ? null : resolve(env).orElse(null);
    }

    /** Workloads whose pod template carries every label of the selector (never for an empty selector). */
    List<Map<String, Object>> workloadsSelectedBy(Map<String, String> selector) {
        if (selector.isEmpty()) {
            return List.of();
        }
        return workloads().stream()
                .filter(w -> podLabels(w).entrySet().containsAll(selector.entrySet()))
                .toList();
    }
}
