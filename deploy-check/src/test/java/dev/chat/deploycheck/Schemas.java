package dev.chat.deploycheck;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * Validates rendered objects offline, each against the schema of its API, reporting every problem:
 * <ul>
 * <li>Kubernetes' own kinds and Gateway API's: strict deserialization into fabric8's kubernetes-model (generated from the Kubernetes
 * OpenAPI): wrong types fail (no string-to-number coercion), and every field the model does not know (fabric8 keeps
 * them aside as "additional properties", the API server would prune or reject them) is reported with its path;</li>
 * <li>Strimzi's kinds: the CRD schemas Strimzi's own generator (io.strimzi:crd-generator) makes from its API model
 * (io.strimzi:api), checked with a JSON Schema validator (types, enums, required, minimum, ...) and for unknown
 * fields (what {@code kubectl --validate=strict} reports);</li>
 * <li>Envoy Gateway's kinds: its CRDs as released, vendored in src/test/resources/crds, checked the same way;</li>
 * <li>CloudNativePG's Cluster: no package on a reachable registry ships its CRD, so structural checks of the fields
 * used here, with their types (names taken from the CloudNativePG API reference).</li>
 * </ul>
 */
final class Schemas {

    private static final ObjectMapper STRICT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    static {
        STRICT.coercionConfigDefaults().setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        STRICT.coercionConfigFor(String.class).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
    }

    /** The Kubernetes kinds the manifests use, by apiVersion/kind (add a kind here when the manifests gain one). */
    static final Map<String, Class<?>> KUBERNETES = Map.ofEntries(
            Map.entry("v1/Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
            Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
            Map.entry("v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            Map.entry("v1/Secret", io.fabric8.kubernetes.api.model.Secret.class),
            Map.entry("apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            Map.entry("apps/v1/StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
            Map.entry("batch/v1/Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class),
            Map.entry("policy/v1/PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler",
                    io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
            Map.entry("gateway.networking.k8s.io/v1/Gateway", io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class),
            Map.entry("gateway.networking.k8s.io/v1/HTTPRoute", io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class));

    /**
     * Custom resources whose CRDs no Maven package ships: the CRD files copied from the project's release into
     * src/test/resources/crds (README there: source and version), by apiVersion/kind.
     */
    static final Map<String, String> VENDORED_CRDS = Map.of(
            "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy", "/crds/gateway.envoyproxy.io_backendtrafficpolicies.yaml");

    /** Strimzi's kinds: the API classes its CRDs are generated from. */
    static final Map<String, String> STRIMZI = Map.of(
            "kafka.strimzi.io/v1/Kafka", "io.strimzi.api.kafka.model.kafka.Kafka",
            "kafka.strimzi.io/v1/KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
            "kafka.strimzi.io/v1/KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic",
            "kafka.strimzi.io/v1/KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser");

    private static final Map<String, JsonNode> CRD_SCHEMAS = new ConcurrentHashMap<>();
    private static final Map<String, JsonNode> VENDORED_SCHEMAS = new ConcurrentHashMap<>();

    private Schemas() {
    }

    static List<String> validate(Map<String, Object> object) {
        String type = object.get("apiVersion") + "/" + object.get("kind");
        String where = type + " " + Manifests.nameOf(object);
        List<String> problems = new ArrayList<>();
        if (KUBERNETES.containsKey(type)) {
            kubernetes(object, KUBERNETES.get(type), problems);
        } else if (STRIMZI.containsKey(type)) {
            crd(object, strimziSchema(type), problems);
        } else if (VENDORED_CRDS.containsKey(type)) {
            crd(object, vendoredSchema(type), problems);
        } else if ("postgresql.cnpg.io/v1/Cluster".equals(type)) {
            problems.addAll(CloudNativePg.cluster(object));
        } else {
            problems.add("no schema known for " + type + " (add it to Schemas)");
        }
        return problems.stream().map(p -> where + ": " + p).toList();
    }

    private static void kubernetes(Map<String, Object> object, Class<?> type, List<String> problems) {
        Object typed;
        try {
            typed = STRICT.convertValue(object, type);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage().lines().findFirst().orElse(e.toString()));
            return;
        }
        unknownFields(typed, "", problems, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** Every non-empty "additional properties" map in fabric8's object tree: fields the API does not have. */
    private static void unknownFields(Object node, String path, List<String> problems, Set<Object> seen) {
        if (node == null || node instanceof CharSequence || node instanceof Number || node instanceof Boolean
                || node.getClass().isEnum() || !seen.add(node)) {
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> unknownFields(value, path + "." + key, problems, seen));
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            if (field.equals("additionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add((path.isEmpty() ? "." : path) + ": unknown field(s) " + extra.keySet());
                }
            } else {
                unknownFields(value, path + "." + field, problems, seen);
            }
        }
    }

    /** The openAPIV3Schema of the version {@code type} names, from its vendored CRD file (read once). */
    static JsonNode vendoredSchema(String type) {
        return VENDORED_SCHEMAS.computeIfAbsent(type, t -> {
            String version = t.split("/")[1];
            try (var in = Schemas.class.getResourceAsStream(VENDORED_CRDS.get(t))) {
                if (in == null) {
                    throw new IllegalStateException("missing vendored CRD " + VENDORED_CRDS.get(t));
                }
                for (JsonNode served : new YAMLMapper().readTree(in).at("/spec/versions")) {
                    if (version.equals(served.get("name").asText())) {
                        return served.at("/schema/openAPIV3Schema");
                    }
                }
                throw new IllegalStateException("the vendored CRD for " + t + " does not serve " + version);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the vendored CRD for " + t, e);
            }
        });
    }

    static JsonNode strimziSchema(String type) {
        generateStrimziCrds();
        return CRD_SCHEMAS.get(type);
    }

    /**
     * Strimzi's CRDs for the kinds used here, generated once per run by Strimzi's own generator
     * (io.strimzi:crd-generator, its command line as Strimzi's build runs it) from io.strimzi:api. It runs in a
     * separate JVM on the test classpath: its main method ends with System.exit.
     */
    private static synchronized void generateStrimziCrds() {
        if (!CRD_SCHEMAS.isEmpty()) {
            return;
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "strimzi-crds").toAbsolutePath());
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.strimzi.crdgenerator.CrdGenerator", "--yaml"));
            Map<String, Path> files = new java.util.HashMap<>();
            STRIMZI.forEach((t, className) -> {
                Path file = dir.resolve(t.replace('/', '_') + ".yaml");
                files.put(t, file);
                command.add(className + "=" + file);
            });
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("Strimzi's CRD generator failed:\n" + output);
            }
            for (var entry : files.entrySet()) {
                JsonNode crd = new YAMLMapper().readTree(entry.getValue().toFile());
                String version = entry.getKey().split("/")[1];
                for (JsonNode served : crd.at("/spec/versions")) {
                    if (version.equals(served.get("name").asText())) {
                        CRD_SCHEMAS.put(entry.getKey(), served.at("/schema/openAPIV3Schema"));
                    }
                }
                if (!CRD_SCHEMAS.containsKey(entry.getKey())) {
                    throw new IllegalStateException("the generated CRD for " + entry.getKey() + " does not serve " + version);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot generate Strimzi's CRDs", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A custom resource against its CRD's structural schema: JSON Schema, then fields the schema does not have. */
    static void crd(Map<String, Object> object, JsonNode schema, List<String> problems) {
        JsonNode value = STRICT.valueToTree(object);
        JsonSchema validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
        for (ValidationMessage message : validator.validate(value)) {
            problems.add(message.getMessage());
        }
        unknownCrdFields(schema, value, "", problems);
    }

    private static void unknownCrdFields(JsonNode schema, JsonNode value, String path, List<String> problems) {
        if (schema == null || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return;
        }
        if (value.isObject()) {
            Map<String, JsonNode> properties = new java.util.LinkedHashMap<>();
            collectProperties(schema, properties);
            JsonNode additional = schema.get("additionalProperties");
            value.properties().forEach(field -> {
                String at = path + "." + field.getKey();
                if (properties.containsKey(field.getKey())) {
                    unknownCrdFields(properties.get(field.getKey()), field.getValue(), at, problems);
                } else if (additional != null && additional.isObject()) {
                    unknownCrdFields(additional, field.getValue(), at, problems);
                } else if (!properties.isEmpty()) {
                    problems.add(at + ": unknown field");
                }
            });
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                unknownCrdFields(schema.get("items"), value.get(i), path + "[" + i + "]", problems);
            }
        }
    }

    private static void collectProperties(JsonNode schema, Map<String, JsonNode> into) {
        schema.path("properties").properties().forEach(e -> into.putIfAbsent(e.getKey(), e.getValue()));
        for (String combinator : List.of("oneOf", "anyOf", "allOf")) {
            schema.path(combinator).forEach(alternative -> collectProperties(alternative, into));
        }
    }

    /** For messages: a YAML rendering of one object. */
    static String yaml(Object object) {
        try {
            StringWriter out = new StringWriter();
            new YAMLMapper().writeValue(out, object);
            return out.toString();
        } catch (IOException e) {
            return String.valueOf(object);
        }
    }
}
