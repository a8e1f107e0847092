package dev.chat.deploycheck;

import static dev.chat.deploycheck.Manifests.mainContainer;
import static dev.chat.deploycheck.Manifests.nameOf;
import static dev.chat.deploycheck.Manifests.podLabels;
import static dev.chat.deploycheck.Manifests.podSpec;
import static dev.chat.deploycheck.Tree.map;
import static dev.chat.deploycheck.Tree.maps;
import static dev.chat.deploycheck.Tree.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment descriptors, checked without a cluster or a Docker engine: the base files as written,
 * each kustomize overlay as {@code kubectl kustomize} renders it (skipped where kubectl is not installed),
 * and docker-compose.yml, including that Compose and the local overlay configure the services alike.
 */
@DisplayName("deployment descriptors")
class DeploymentDescriptorsTest {

    static final Path ROOT = Path.of(System.getProperty("chat.project-root", "..")).toAbsolutePath().normalize();
    static final List<String> SERVICES =
            List.of("gateway-service", "message-service", "websocket-service", "notification-service");
    static final List<String> BACKENDS = List.of("message-service", "websocket-service", "notification-service");
    static final String IMAGE_TAG = "0.1.0-SNAPSHOT";
    /** The committed overlays; every one renders and is checked. */
    static final List<String> OVERLAYS = List.of("local", "prod", "prod-operators");
    /**
     * The Secrets an overlay may leave to the operator (created out of band, by External Secrets / Sealed
     * Secrets, by a site overlay's secretGenerator, or by the Strimzi and CloudNativePG operators), with their keys.
     * docs/deployment.md lists the same.
     */
    static final Map<String, Set<String>> EXTERNAL_SECRETS = Map.of(
            "chat-db-message-service", Set.of("username", "password"),
            "chat-db-notification-service", Set.of("username", "password"),
            "chat-db-migrator", Set.of("username", "password"),
            "chat-kafka-message-service", Set.of("sasl.jaas.config"),
            "chat-kafka-websocket-service", Set.of("sasl.jaas.config"),
            "chat-kafka-notification-service", Set.of("sasl.jaas.config"),
            "chat-kafka-cluster-ca-cert", Set.of("ca.crt"),
            "chat-postgres-ca", Set.of("ca.crt"),
            "chat-push", Set.of("fcm-service-account.json", "fcm-project-id", "apns-key.p8", "apns-key-id",
                    "apns-team-id", "apns-topic"));

    private static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

    /** An overlay rendered once per run; the calling test is skipped (not failed) where kubectl is missing. */
    static Manifests overlay(String name) {
        assumeKubectl();
        return RENDERED.computeIfAbsent(name,
                n -> Manifests.parse(n, Kustomize.render(ROOT.resolve("k8s/overlays").resolve(n))));
    }

    /**
     * A kustomization made for the test under target/kustomize/NAME: the given resources (paths under k8s/) plus
     * components (names under k8s/components/) plus extra lines, rendered once per run. The combinations the
     * docs recommend that have no committed overlay are rendered this way.
     */
    static Manifests combination(String name, List<String> resources, List<String> components, String extra) {
        assumeKubectl();
        return RENDERED.computeIfAbsent("combination " + name, n -> {
            try {
                Path dir = Files.createDirectories(Path.of("target", "kustomize", name).toAbsolutePath());
                StringBuilder k = new StringBuilder("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
                resources.forEach(r -> k.append("  - ").append(dir.relativize(ROOT.resolve("k8s").resolve(r))).append('\n'));
                if (!components.isEmpty()) {
                    k.append("components:\n");
                    components.forEach(c -> k.append("  - ").append(dir.relativize(ROOT.resolve("k8s/components").resolve(c))).append('\n'));
                }
                k.append(extra);
                Files.writeString(dir.resolve("kustomization.yaml"), k);
                return Manifests.parse(n, Kustomize.render(dir));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void assumeKubectl() {
        assumeTrue(Kustomize.command().isPresent(),
                "kubectl (or kustomize) is not installed: the kustomize overlays are not rendered or checked here. "
                        + "Install kubectl >= 1.27 (or set -Ddeploy-check.kubectl=/path/to/kubectl) to run these checks.");
    }

    static Map<String, Object> deployment(Manifests manifests, String service) {
        return manifests.get("Deployment", service);
    }

    @Nested
    @DisplayName("k8s/base files as written (no kubectl needed)")
    class Base {

        @Test
        void eachServiceFileFollowsTheWorkloadRules() throws IOException {
            for (String service : SERVICES) {
                Manifests file = Manifests.parse(service, Files.readString(ROOT.resolve("k8s/base/" + service + ".yaml")));
                Map<String, Object> deployment = deployment(file, service);
                assertSoftly(softly -> {
                    softly.assertThat(file.find("Service", service)).as("%s: Service", service).isPresent();
                    softly.assertThat(file.find("ServiceAccount", service)).as("%s: ServiceAccount", service).isPresent();
                    softly.assertThat(WorkloadRules.serviceHardening(deployment)).as("%s: hardening", service).isEmpty();
                    softly.assertThat(WorkloadRules.resourcesAndProbes(deployment)).as("%s: resources and probes", service).isEmpty();
                    softly.assertThat(WorkloadRules.listensOnHttpPort(deployment)).as("%s: port", service).isEmpty();
                    softly.assertThat(text(mainContainer(deployment), "image")).as("%s: image", service)
                            .isEqualTo("chat/" + service + ":" + IMAGE_TAG);
                });
            }
        }
    }

    @Nested
    @DisplayName("the rules themselves")
    class Rules {

        @Test
        void rejectAnUnhardenedDeployment() {
            Map<String, Object> bare = Manifests.parse("bad", """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: bad}
                    spec:
                      template:
                        spec:
                          containers:
                            - name: bad
                              image: bad:latest
                              ports: [{name: http, containerPort: 9090}]
                              env: [{name: SERVER_PORT, value: "9090"}]
                              livenessProbe: {httpGet: {path: /health, port: http}}
                    """).get("Deployment", "bad");

            assertThat(WorkloadRules.serviceHardening(bare)).contains(
                    "container bad: runAsNonRoot is not true",
                    "container bad: allowPrivilegeEscalation is not false",
                    "container bad: capabilities do not drop ALL",
                    "container bad: seccompProfile is unset, not RuntimeDefault",
                    "readOnlyRootFilesystem is not true",
                    "no emptyDir mounted at /tmp",
                    "automountServiceAccountToken is not false");
            assertThat(WorkloadRules.resourcesAndProbes(bare)).contains(
                    "no requests.cpu", "no limits.memory",
                    "livenessProbe path is /health, not /actuator/health/liveness",
                    "livenessProbe port http is not the container port 8080",
                    "no readinessProbe with httpGet");
            assertThat(WorkloadRules.listensOnHttpPort(bare))
                    .containsExactly("SERVER_PORT is 9090, not 8080", "no containerPort 8080");
        }

        @Test
        void evaluateLabelSelectorsLikeKubernetes() {
            Map<String, String> gateway = Map.of("app.kubernetes.io/name", "gateway-service");
            Map<String, Object> backends = Manifests.yaml().load("""
                    matchExpressions:
                      - {key: app.kubernetes.io/name, operator: In, values: [message-service, websocket-service]}
                    """);
            assertThat(LabelSelector.matches(Map.of(), gateway)).isTrue();
            assertThat(LabelSelector.matches(backends, gateway)).isFalse();
            assertThat(LabelSelector.matches(backends, Map.of("app.kubernetes.io/name", "message-service"))).isTrue();
        }
    }

    @Nested
    @DisplayName("every overlay (kubectl kustomize k8s/overlays/<name>)")
    class EveryOverlay {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void eachServiceHasADeploymentAServiceAndItsOwnServiceAccount(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> {
                for (String service : SERVICES) {
                    String where = name + " " + service;
                    Map<String, Object> deployment = deployment(manifests, service);
                    softly.assertThat(manifests.find("Service", service)).as("%s: Service", where).isPresent();
                    softly.assertThat(Tree.strings(deployment, "metadata", "labels"))
                            .as("%s: labels", where)
                            .containsEntry("app.kubernetes.io/name", service)
                            .containsEntry("app.kubernetes.io/part-of", "chat");
                    softly.assertThat(podLabels(deployment)).as("%s: pod labels", where)
                            .containsEntry("app.kubernetes.io/name", service)
                            .containsEntry("app.kubernetes.io/part-of", "chat");
                    softly.assertThat(text(podSpec(deployment), "serviceAccountName")).as("%s: service account", where)
                            .isEqualTo(service);
                    softly.assertThat(manifests.find("ServiceAccount", service).map(sa -> sa.get("automountServiceAccountToken")))
                            .as("%s: ServiceAccount with automountServiceAccountToken false", where).contains(false);
                }
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void servicesRunNonRootOnAReadOnlyFilesystemWithoutCapabilities(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> SERVICES.forEach(service ->
                    softly.assertThat(WorkloadRules.serviceHardening(deployment(manifests, service)))
                            .as("%s %s", name, service).isEmpty()));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void everyWorkloadMeetsTheRestrictedPodSecurityStandard(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> {
                manifests.workloads().forEach(workload ->
                        softly.assertThat(WorkloadRules.restrictedPodSecurity(workload))
                                .as("%s %s", name, WorkloadRules.describe(workload)).isEmpty());
                softly.assertThat(manifests.ofKind("Namespace")).as("%s: Namespace", name).hasSize(1);
                manifests.ofKind("Namespace").forEach(namespace ->
                        softly.assertThat(Tree.strings(namespace, "metadata", "labels"))
                                .as("%s: Namespace enforces the restricted standard", name)
                                .containsEntry("pod-security.kubernetes.io/enforce", "restricted"));
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void servicesHaveRequestsLimitsAndActuatorProbes(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> SERVICES.forEach(service ->
                    softly.assertThat(WorkloadRules.resourcesAndProbes(deployment(manifests, service)))
                            .as("%s %s", name, service).isEmpty()));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void servicesListenOn8080(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> SERVICES.forEach(service -> {
                softly.assertThat(WorkloadRules.listensOnHttpPort(deployment(manifests, service)))
                        .as("%s %s", name, service).isEmpty();
                softly.assertThat(maps(manifests.get("Service", service), "spec", "ports"))
                        .as("%s %s: Service port 8080", name, service)
                        .anySatisfy(port -> assertThat(port.get("port")).isEqualTo(8080));
            }));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void everyServiceSelectsExistingPodsOnAPortTheyExpose(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> manifests.ofKind("Service").forEach(service -> {
                String where = name + " Service/" + nameOf(service);
                List<Map<String, Object>> selected = manifests.workloadsSelectedBy(Tree.strings(service, "spec", "selector"));
                softly.assertThat(selected).as("%s: selects the pods of a Deployment or StatefulSet", where).isNotEmpty();
                for (Map<String, Object> port : maps(service, "spec", "ports")) {
                    Object target = port.containsKey("targetPort") ? port.get("targetPort") : port.get("port");
                    selected.forEach(workload -> softly.assertThat(WorkloadRules.exposesPort(workload, target))
                            .as("%s: targetPort %s is a port of %s", where, target, WorkloadRules.describe(workload))
                            .isTrue());
                }
            }));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void everyConfigMapAndSecretReferenceResolves(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> manifests.workloads().forEach(workload ->
                    Manifests.env(mainContainer(workload)).forEach(variable -> {
                        String where = name + " " + WorkloadRules.describe(workload) + " " + variable.name();
                        if (variable.fromConfigMap()) {
                            softly.assertThat(manifests.resolve(variable)).as("%s: key %s of ConfigMap %s",
                                    where, variable.key(), variable.configMap()).isPresent();
                        } else if (variable.fromSecret() && manifests.find("Secret", variable.secret()).isPresent()) {
                            softly.assertThat(manifests.resolve(variable)).as("%s: key %s of Secret %s",
                                    where, variable.key(), variable.secret()).isPresent();
                        } else if (variable.fromSecret()) {
                            // a Secret created out of band: only the documented ones, with the documented keys
                            softly.assertThat(EXTERNAL_SECRETS).as("%s: documented external Secret", where)
                                    .containsKey(variable.secret());
                            softly.assertThat(EXTERNAL_SECRETS.getOrDefault(variable.secret(), Set.of()))
                                    .as("%s: documented key", where).contains(variable.key());
                        }
                    })));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void servicesHaveTimeToShutDownGracefully(String name) {
            Manifests manifests = overlay(name);
            assertSoftly(softly -> SERVICES.forEach(service -> {
                Map<String, Object> pod = podSpec(deployment(manifests, service));
                Object preStopSleep = Tree.at(mainContainer(deployment(manifests, service)), "lifecycle", "preStop", "sleep", "seconds");
                // Spring's graceful shutdown takes up to 20s (spring.lifecycle.timeout-per-shutdown-phase) after the preStop sleep
                softly.assertThat(pod.get("terminationGracePeriodSeconds")).as("%s %s: terminationGracePeriodSeconds", name, service)
                        .isInstanceOfSatisfying(Integer.class, seconds ->
                                assertThat(seconds).isGreaterThanOrEqualTo(20 + (preStopSleep instanceof Integer s ? s : 0)));
            }));
        }
    }

    @Nested
    @DisplayName("overlays/local")
    class Local {

        @Test
        void runsASingleNodePostgresAndKafkaInTheCluster() {
            Manifests local = overlay("local");
            Map<String, Object> postgres = local.get("StatefulSet", "postgres");
            Map<String, Object> kafka = local.get("StatefulSet", "kafka");
            assertThat(text(mainContainer(postgres), "image")).isEqualTo("postgres:17-alpine");
            assertThat(text(mainContainer(kafka), "image")).isEqualTo("apache/kafka:4.1.1");
            assertThat(List.of(postgres.get("spec"), kafka.get("spec"))).allSatisfy(spec ->
                    assertThat(Tree.at(spec, "replicas")).isEqualTo(1));
            assertThat(local.valueOf("StatefulSet", "kafka", "KAFKA_PROCESS_ROLES")).as("KRaft: broker and controller")
                    .isEqualTo("broker,controller");
            assertThat(local.envOf("StatefulSet", "kafka")).doesNotContainKey("KAFKA_ZOOKEEPER_CONNECT");
            assertThat(local.find("Service", "postgres")).isPresent();
            assertThat(local.find("Service", "kafka")).isPresent();
        }

        @Test
        void servicesAreConfiguredToReachPostgresKafkaAndEachOther() {
            Manifests local = overlay("local");
            assertSoftly(softly -> {
                for (String service : List.of("message-service", "notification-service")) {
                    softly.assertThat(hostAndPort(local.valueOf("Deployment", service, "SPRING_R2DBC_URL")))
                            .as("%s: R2DBC", service).isEqualTo("postgres:5432");
                    softly.assertThat(hostAndPort(local.valueOf("Deployment", service, "SPRING_FLYWAY_URL")))
                            .as("%s: Flyway", service).isEqualTo("postgres:5432");
                }
                for (String service : BACKENDS) {
                    softly.assertThat(local.valueOf("Deployment", service, "SPRING_KAFKA_BOOTSTRAP_SERVERS"))
                            .as("%s: Kafka", service).isEqualTo("kafka:9092");
                }
                for (String service : BACKENDS) {
                    String variable = "CHAT_GATEWAY_" + service.replace("-service", "").toUpperCase() + "_SERVICE_URI";
                    softly.assertThat(local.valueOf("Deployment", "gateway-service", variable))
                            .as("gateway: %s", variable).isEqualTo("http://" + service + ":8080");
                }
                softly.assertThat(servicePorts(local, "postgres")).contains(5432);
                softly.assertThat(servicePorts(local, "kafka")).contains(9092);
            });
        }

        @Test
        void turnsDevTokensOnWithADevSecretAndThreePartitions() {
            Manifests local = overlay("local");
            assertThat(local.valueOf("Deployment", "gateway-service", "CHAT_AUTH_DEV_TOKENS_ENABLED")).isEqualTo("true");
            assertSoftly(softly -> {
                for (String service : BACKENDS) {
                    softly.assertThat(local.valueOf("Deployment", service, "CHAT_KAFKA_PARTITIONS")).as(service).isEqualTo("3");
                    softly.assertThat(local.valueOf("Deployment", service, "CHAT_KAFKA_REPLICATION_FACTOR")).as(service).isEqualTo("1");
                }
                for (String service : SERVICES) {
                    Manifests.EnvVar secret = local.envOf("Deployment", service).get("CHAT_AUTH_JWT_SECRET");
                    softly.assertThat(secret).as("%s: CHAT_AUTH_JWT_SECRET", service).isNotNull();
                    if (secret != null) {
                        softly.assertThat(secret.fromSecret()).as("%s: the JWT secret comes from a Secret", service).isTrue();
                        softly.assertThat(local.resolve(secret)).as("%s: a clearly dev-only HS256 key of >= 32 bytes", service)
                                .hasValueSatisfying(value -> assertThat(value).startsWith("dev-only").hasSizeGreaterThanOrEqualTo(32));
                    }
                    softly.assertThat(local.envOf("Deployment", service)).as(service).doesNotContainKey("CHAT_AUTH_JWT_JWK_SET_URI");
                }
            });
        }

        @Test
        void keepsTheWebSocketGoingThroughTheGateway() {
            Manifests local = overlay("local");
            assertThat(local.ofKind("Gateway")).as("no public route: port-forward to the gateway").isEmpty();
            assertThat(local.ofKind("HTTPRoute")).isEmpty();
            assertThat(local.valueOf("Deployment", "gateway-service", "CHAT_GATEWAY_WEBSOCKET_SERVICE_URI"))
                    .isEqualTo("http://websocket-service:8080");
        }

        @Test
        void usesTheImagesJibBuildsWithoutPullingThem() {
            Manifests local = overlay("local");
            assertSoftly(softly -> SERVICES.forEach(service -> {
                Map<String, Object> container = mainContainer(deployment(local, service));
                softly.assertThat(text(container, "image")).as(service).isEqualTo("chat/" + service + ":" + IMAGE_TAG);
                softly.assertThat(text(container, "imagePullPolicy")).as(service).isEqualTo("IfNotPresent");
            }));
        }
    }

    @Nested
    @DisplayName("overlays/prod")
    class Prod {

        static final Map<String, Integer> REPLICAS = Map.of(
                "gateway-service", 2, "message-service", 2, "websocket-service", 3, "notification-service", 2);

        @Test
        void runsTheExpectedReplicas() {
            Manifests prod = overlay("prod");
            Map<String, Object> actual = SERVICES.stream().collect(Collectors.toMap(s -> s,
                    s -> Tree.at(deployment(prod, s), "spec", "replicas"), (a, b) -> a, TreeMap::new));
            assertThat(actual).isEqualTo(new TreeMap<>(REPLICAS));
        }

        @Test
        void usesTwelvePartitionsReplicatedThreeTimesAndNoDevTokens() {
            Manifests prod = overlay("prod");
            assertSoftly(softly -> {
                for (String service : BACKENDS) {
                    softly.assertThat(prod.valueOf("Deployment", service, "CHAT_KAFKA_PARTITIONS")).as(service).isEqualTo("12");
                    softly.assertThat(prod.valueOf("Deployment", service, "CHAT_KAFKA_REPLICATION_FACTOR")).as(service).isEqualTo("3");
                }
                softly.assertThat(prod.valueOf("Deployment", "gateway-service", "CHAT_AUTH_DEV_TOKENS_ENABLED"))
                        .as("dev tokens").isNotEqualToIgnoringCase("true");
            });
        }

        @Test
        void verifiesTokensWithTheJwkSetAndCommitsNoSecret() {
            Manifests prod = overlay("prod");
            assertThat(prod.ofKind("Secret")).as("no Secret is rendered: chat-secrets is created out of band").isEmpty();
            assertSoftly(softly -> SERVICES.forEach(service -> {
                Map<String, Manifests.EnvVar> env = prod.envOf("Deployment", service);
                softly.assertThat(env).as(service).doesNotContainKey("CHAT_AUTH_JWT_SECRET");
                for (String variable : List.of("CHAT_AUTH_JWT_JWK_SET_URI", "CHAT_AUTH_JWT_ISSUER", "CHAT_AUTH_JWT_AUDIENCE")) {
                    softly.assertThat(env.get(variable)).as("%s: %s", service, variable).isNotNull()
                            .extracting(Manifests.EnvVar::fromConfigMap).isEqualTo(true);
                    softly.assertThat(prod.valueOf("Deployment", service, variable)).as("%s: %s", service, variable).isNotBlank();
                }
                softly.assertThat(prod.valueOf("Deployment", service, "CHAT_AUTH_JWT_JWK_SET_URI")).as(service).startsWith("https://");
            }));
        }

        @Test
        void usesExternalPostgresAndKafka() {
            Manifests prod = overlay("prod");
            assertThat(prod.ofKind("StatefulSet")).as("no in-cluster PostgreSQL or Kafka").isEmpty();
            assertSoftly(softly -> {
                softly.assertThat(prod.valueOf("Deployment", "message-service", "SPRING_R2DBC_URL"))
                        .startsWith("r2dbc:postgresql://").doesNotStartWith("r2dbc:postgresql://postgres:");
                softly.assertThat(prod.valueOf("Deployment", "message-service", "SPRING_FLYWAY_URL"))
                        .startsWith("jdbc:postgresql://").doesNotStartWith("jdbc:postgresql://postgres:");
                softly.assertThat(prod.valueOf("Deployment", "message-service", "SPRING_KAFKA_BOOTSTRAP_SERVERS"))
                        .isNotBlank().doesNotStartWith("kafka:");
            });
        }

        @Test
        void hasADisruptionBudgetAndSpreadConstraintsForEachService() {
            Manifests prod = overlay("prod");
            assertSoftly(softly -> SERVICES.forEach(service -> {
                Map<String, Object> deployment = deployment(prod, service);
                Map<String, Object> budget = prod.find("PodDisruptionBudget", service).orElse(Map.of());
                softly.assertThat(budget).as("%s: PodDisruptionBudget", service).isNotEmpty();
                softly.assertThat(selectedDeployments(prod, map(budget, "spec", "selector")))
                        .as("%s: the budget selects exactly its pods", service).containsExactly(service);
                softly.assertThat(budget.isEmpty() || text(budget, "spec", "maxUnavailable") != null
                                || text(budget, "spec", "minAvailable") != null)
                        .as("%s: maxUnavailable or minAvailable", service).isTrue();

                List<Map<String, Object>> spread = maps(podSpec(deployment), "topologySpreadConstraints");
                softly.assertThat(spread).as("%s: topologySpreadConstraints", service)
                        .extracting(c -> c.get("topologyKey")).contains("kubernetes.io/hostname");
                spread.forEach(constraint -> softly.assertThat(LabelSelector.matches(map(constraint, "labelSelector"), podLabels(deployment)))
                        .as("%s: spread constraint on %s counts its own pods", service, constraint.get("topologyKey")).isTrue());
            }));
        }

        @Test
        void deniesAllTrafficButWhatTheDesignNeeds() {
            Manifests prod = overlay("prod");
            List<Map<String, Object>> policies = prod.ofKind("NetworkPolicy");
            assertThat(policies).as("a default deny of ingress and egress for every pod").anySatisfy(policy -> {
                assertThat(map(policy, "spec", "podSelector")).isEmpty();
                assertThat(Tree.list(policy, "spec", "policyTypes")).containsExactlyInAnyOrder("Ingress", "Egress");
                assertThat(Tree.list(policy, "spec", "ingress")).isEmpty();
                assertThat(Tree.list(policy, "spec", "egress")).isEmpty();
            });
            assertThat(policies).as("DNS for every pod").anySatisfy(policy -> {
                assertThat(map(policy, "spec", "podSelector")).isEmpty();
                assertThat(maps(policy, "spec", "egress")).anySatisfy(rule ->
                        assertThat(maps(rule, "ports")).anySatisfy(port -> assertThat(port.get("port")).isEqualTo(53)));
            });

            Map<String, String> gatewayPods = podLabels(deployment(prod, "gateway-service"));
            assertThat(ingressRules(policies, gatewayPods)).as("gateway: open on 8080 to every source").anySatisfy(rule -> {
                assertThat(rule).doesNotContainKey("from");
                assertThat(maps(rule, "ports")).anySatisfy(port -> assertThat(port.get("port")).isEqualTo(8080));
            });
            assertSoftly(softly -> BACKENDS.forEach(service -> {
                List<Map<String, Object>> rules = ingressRules(policies, podLabels(deployment(prod, service)));
                softly.assertThat(rules).as("%s: ingress allowed from the gateway", service).anySatisfy(rule ->
                        assertThat(maps(rule, "from")).anySatisfy(peer ->
                                assertThat(LabelSelector.matches(map(peer, "podSelector"), gatewayPods)).isTrue()));
                // websocket-service is also reached straight from the ingress's proxies (PublicRoute), nothing else is
                rules.forEach(rule -> softly.assertThat(maps(rule, "from"))
                        .as("%s: ingress only from the gateway's pods%s", service,
                                service.equals("websocket-service") ? " or the ingress's namespace" : "")
                        .isNotEmpty()
                        .allSatisfy(peer -> {
                            if (service.equals("websocket-service") && peer.containsKey("namespaceSelector")) {
                                assertThat(peer).containsOnlyKeys("namespaceSelector");
                                assertThat(map(peer, "namespaceSelector")).isEqualTo(PublicRoute.INGRESS_NAMESPACE);
                            } else {
                                assertThat(peer).containsOnlyKeys("podSelector");
                                assertThat(LabelSelector.matches(map(peer, "podSelector"), gatewayPods)).isTrue();
                            }
                        }));
            }));
            assertSoftly(softly -> {
                for (var expected : Map.of("message-service", List.of(5432, 9093), "websocket-service", List.of(9093),
                        "notification-service", List.of(5432, 9093)).entrySet()) {
                    softly.assertThat(egressPorts(policies, podLabels(deployment(prod, expected.getKey()))))
                            .as("%s: egress to PostgreSQL/Kafka", expected.getKey()).containsAll(expected.getValue());
                }
            });
        }

        @Test
        void autoscalesGatewayWebsocketAndMessageServiceOnCpu() {
            Manifests prod = overlay("prod");
            assertSoftly(softly -> {
                for (String service : List.of("gateway-service", "websocket-service", "message-service")) {
                    Map<String, Object> hpa = prod.find("HorizontalPodAutoscaler", service).orElse(Map.of());
                    softly.assertThat(hpa).as("%s: HorizontalPodAutoscaler", service).isNotEmpty();
                    if (hpa.isEmpty()) {
                        continue;
                    }
                    softly.assertThat(Tree.strings(hpa, "spec", "scaleTargetRef")).as("%s: target", service)
                            .containsEntry("kind", "Deployment").containsEntry("name", service);
                    softly.assertThat(Tree.at(hpa, "spec", "minReplicas")).as("%s: minReplicas = the overlay's replicas", service)
                            .isEqualTo(REPLICAS.get(service));
                    softly.assertThat((Integer) Tree.at(hpa, "spec", "maxReplicas")).as("%s: maxReplicas", service)
                            .isGreaterThan(REPLICAS.get(service));
                    softly.assertThat(maps(hpa, "spec", "metrics")).as("%s: CPU metric", service)
                            .anySatisfy(metric -> assertThat(text(metric, "resource", "name")).isEqualTo("cpu"));
                }
            });
        }

        private static List<String> selectedDeployments(Manifests manifests, Map<String, Object> selector) {
            return manifests.ofKind("Deployment").stream()
                    .filter(d -> !selector.isEmpty() && LabelSelector.matches(selector, podLabels(d)))
                    .map(Manifests::nameOf).toList();
        }

        static List<Map<String, Object>> ingressRules(List<Map<String, Object>> policies, Map<String, String> pod) {
            return policies.stream()
                    .filter(p -> LabelSelector.matches(map(p, "spec", "podSelector"), pod))
                    .flatMap(p -> maps(p, "spec", "ingress").stream()).toList();
        }

        private static Set<Object> egressPorts(List<Map<String, Object>> policies, Map<String, String> pod) {
            return policies.stream()
                    .filter(p -> LabelSelector.matches(map(p, "spec", "podSelector"), pod))
                    .flatMap(p -> maps(p, "spec", "egress").stream())
                    .flatMap(rule -> maps(rule, "ports").stream())
                    .map(port -> port.get("port")).collect(Collectors.toSet());
        }
    }

    @Nested
    @DisplayName("overlays/prod: the public route (one host, TLS, /api through the gateway, /ws straight to the nodes)")
    class PublicRoute {

        /** Where Envoy Gateway runs its proxies by default: the namespace the network policy opens the nodes to. */
        static final Map<String, Object> INGRESS_NAMESPACE =
                Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "envoy-gateway-system"));

        /** The backend a request path reaches through the HTTPS listener (Gateway API precedence), or null. */
        static String backendFor(Manifests m, String path) {
            return ruleFor(m, path).map(rule -> text(maps(rule, "backendRefs").getFirst(), "name")).orElse(null);
        }

        /**
         * The rule of the routes attached to the Gateway's HTTPS listener that a request for {@code path} matches: an
         * Exact match before any prefix, a longer prefix before a shorter one; PathPrefix matches whole path elements.
         */
        static java.util.Optional<Map<String, Object>> ruleFor(Manifests m, String path) {
            Map<String, Object> best = null;
            int bestScore = -1;
            for (Map<String, Object> route : routesOn(m, "HTTPS")) {
                for (Map<String, Object> rule : maps(route, "spec", "rules")) {
                    for (Map<String, Object> match : maps(rule, "matches")) {
                        String type = text(match, "path", "type");
                        String value = text(match, "path", "value");
                        int score = -1;
                        if ("Exact".equals(type) && path.equals(value)) {
                            score = 100_000;
                        } else if ("PathPrefix".equals(type) && (path.equals(value) || path.startsWith(value.endsWith("/") ? value : value + "/"))) {
                            score = value.length();
                        }
                        if (score > bestScore) {
                            bestScore = score;
                            best = rule;
                        }
                    }
                }
            }
            return java.util.Optional.ofNullable(best);
        }

        static Map<String, Object> gateway(Manifests m) {
            assertThat(m.ofKind("Gateway")).as("%s: one Gateway", m.name()).hasSize(1);
            return m.ofKind("Gateway").getFirst();
        }

        static Map<String, Object> listener(Manifests m, String protocol) {
            List<Map<String, Object>> found = maps(gateway(m), "spec", "listeners").stream()
                    .filter(l -> protocol.equals(text(l, "protocol"))).toList();
            assertThat(found).as("%s: one %s listener", m.name(), protocol).hasSize(1);
            return found.getFirst();
        }

        /** The HTTPRoutes whose parentRefs name the Gateway's listener of that protocol. */
        static List<Map<String, Object>> routesOn(Manifests m, String protocol) {
            String gatewayName = nameOf(gateway(m));
            String section = text(listener(m, protocol), "name");
            return m.ofKind("HTTPRoute").stream().filter(route -> maps(route, "spec", "parentRefs").stream().anyMatch(ref ->
                    gatewayName.equals(text(ref, "name")) && section.equals(text(ref, "sectionName")))).toList();
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"prod", "prod-operators"})
        void terminatesTlsForOneHostAndOnlyRedirectsPlainHttp(String name) {
            Manifests m = overlay(name);
            Map<String, Object> https = listener(m, "HTTPS");
            assertSoftly(softly -> {
                softly.assertThat(https.get("port")).as("HTTPS port").isEqualTo(443);
                softly.assertThat(text(https, "tls", "mode")).as("TLS terminated at the edge").isEqualTo("Terminate");
                softly.assertThat(maps(https, "tls", "certificateRefs")).as("the certificate: Secret chat-tls")
                        .singleElement().satisfies(ref -> {
                            assertThat(text(ref, "kind")).isEqualTo("Secret");
                            assertThat(text(ref, "group")).isIn(null, "");
                            assertThat(text(ref, "name")).isEqualTo("chat-tls");
                        });
                softly.assertThat(m.find("Secret", "chat-tls")).as("the certificate is not committed").isEmpty();
                Set<String> hosts = new java.util.TreeSet<>();
                maps(gateway(m), "spec", "listeners").forEach(l -> hosts.add(text(l, "hostname")));
                m.ofKind("HTTPRoute").forEach(route -> Tree.list(route, "spec", "hostnames").forEach(h -> hosts.add(h.toString())));
                softly.assertThat(hosts).as("one public host name for listeners and routes (API.md)").hasSize(1);
                softly.assertThat(routesOn(m, "HTTP")).as("plain HTTP: a redirect to HTTPS").isNotEmpty().allSatisfy(route ->
                        assertThat(maps(route, "spec", "rules")).allSatisfy(rule -> {
                            assertThat(maps(rule, "backendRefs")).as("no backend over plain HTTP").isEmpty();
                            assertThat(maps(rule, "filters")).anySatisfy(filter ->
                                    assertThat(text(filter, "requestRedirect", "scheme")).isEqualTo("https"));
                        }));
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"prod", "prod-operators"})
        void routesRestToTheGatewayAndTheWebSocketStraightToTheNodes(String name) {
            Manifests m = overlay(name);
            assertSoftly(softly -> {
                softly.assertThat(backendFor(m, "/ws")).as("/ws").isEqualTo("websocket-service");
                for (String rest : List.of("/api", "/api/v1/messages", "/api/v1/devices", "/api/v1/conversations/x/sync",
                        "/v3/api-docs", "/v3/api-docs/message-service")) {
                    softly.assertThat(backendFor(m, rest)).as(rest).isEqualTo("gateway-service");
                }
                for (String closed : List.of("/actuator/health", "/actuator/metrics", "/apix", "/ws/x", "/")) {
                    softly.assertThat(backendFor(m, closed)).as("%s is not public", closed).isNull();
                }
                for (Map<String, Object> route : m.ofKind("HTTPRoute")) {
                    for (Map<String, Object> rule : maps(route, "spec", "rules")) {
                        for (Map<String, Object> ref : maps(rule, "backendRefs")) {
                            String service = text(ref, "name");
                            String where = nameOf(route) + " -> " + service;
                            softly.assertThat(service).as("%s: only the gateway and the nodes are public", where)
                                    .isIn("gateway-service", "websocket-service");
                            softly.assertThat(text(ref, "kind")).as(where).isIn(null, "Service");
                            softly.assertThat(servicePorts(m, service)).as("%s: a port of the Service", where).contains(ref.get("port"));
                            softly.assertThat(m.workloadsSelectedBy(Tree.strings(m.get("Service", service), "spec", "selector")))
                                    .as("%s: the Service selects that Deployment's pods", where)
                                    .extracting(Manifests::nameOf).containsExactly(service);
                        }
                    }
                }
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"prod", "prod-operators"})
        void givesSocketsAnIdleTimeoutFarAboveTheHeartbeatAndRestARequestTimeoutAboveTheGatewaysOwn(String name) throws IOException {
            Manifests m = overlay(name);
            Duration heartbeat = duration(text(serviceSettings("websocket-service"), "chat", "ws", "heartbeat"));
            Duration gatewayResponseTimeout = duration(text(serviceSettings("gateway-service"),
                    "spring", "cloud", "gateway", "server", "webflux", "httpclient", "response-timeout"));
            Map<String, Object> ws = ruleFor(m, "/ws").orElseThrow();
            Map<String, Object> api = ruleFor(m, "/api/v1/messages").orElseThrow();
            Map<String, Object> wsRoute = m.ofKind("HTTPRoute").stream()
                    .filter(route -> maps(route, "spec", "rules").contains(ws)).findFirst().orElseThrow();
            List<Map<String, Object>> policies = m.ofKind("BackendTrafficPolicy").stream()
                    .filter(p -> maps(p, "spec", "targetRefs").stream().anyMatch(ref -> "HTTPRoute".equals(text(ref, "kind"))
                            && "gateway.networking.k8s.io".equals(text(ref, "group")) && nameOf(wsRoute).equals(text(ref, "name"))))
                    .toList();
            assertSoftly(softly -> {
                softly.assertThat(text(ws, "timeouts", "request")).as("/ws: no request deadline on a socket").isEqualTo("0s");
                softly.assertThat(policies).as("/ws: Envoy Gateway's policy for the route").hasSize(1);
                policies.forEach(policy -> {
                    Duration idle = duration(text(policy, "spec", "timeout", "http", "streamIdleTimeout"));
                    softly.assertThat(idle).as("/ws: idle timeout >= 10 heartbeats of %s", heartbeat)
                            .isGreaterThanOrEqualTo(heartbeat.multipliedBy(10));
                    softly.assertThat(idle).as("/ws: idle timeout of the long-lived sockets").isEqualTo(Duration.ofHours(1));
                    softly.assertThat(text(policy, "spec", "timeout", "http", "requestTimeout"))
                            .as("/ws: no request timeout there either").isIn(null, "0s");
                    softly.assertThat(text(policy, "spec", "timeout", "http", "maxStreamDuration"))
                            .as("/ws: sockets are not cut after a fixed time").isIn(null, "0s");
                });
                Duration request = duration(text(api, "timeouts", "request"));
                softly.assertThat(request).as("/api: the gateway (response timeout %s) answers a slow service first", gatewayResponseTimeout)
                        .isGreaterThan(gatewayResponseTimeout);
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"prod", "prod-operators"})
        void networkPoliciesLetTheIngressReachTheNodesOnTheirContainerPort(String name) {
            Manifests m = overlay(name);
            Map<String, Object> node = deployment(m, "websocket-service");
            Object containerPort = maps(mainContainer(node), "ports").stream()
                    .filter(p -> "http".equals(p.get("name"))).map(p -> p.get("containerPort")).findFirst().orElseThrow();
            List<Map<String, Object>> rules = Prod.ingressRules(m.ofKind("NetworkPolicy"), podLabels(node));
            assertThat(rules).as("websocket-service: ingress from the ingress controller's namespace").anySatisfy(rule -> {
                assertThat(maps(rule, "from")).anySatisfy(peer -> assertThat(map(peer, "namespaceSelector")).isEqualTo(INGRESS_NAMESPACE));
                assertThat(maps(rule, "ports")).anySatisfy(port -> assertThat(port.get("port")).isEqualTo(containerPort));
            });
        }

        private static Map<String, Object> serviceSettings(String service) throws IOException {
            return Manifests.yaml().load(Files.readString(ROOT.resolve(service).resolve("src/main/resources/application.yml")));
        }

        /** Gateway API durations and Spring's simple form: 1h30m, 3600s, 250ms, 0s. */
        static Duration duration(String text) {
            assertThat(text).as("a duration").isNotNull().matches("^([0-9]{1,5}(h|m|s|ms)){1,4}$");
            Duration total = Duration.ZERO;
            java.util.regex.Matcher part = java.util.regex.Pattern.compile("([0-9]+)(ms|h|m|s)").matcher(text);
            while (part.find()) {
                long n = Long.parseLong(part.group(1));
                total = total.plus(switch (part.group(2)) {
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "s" -> Duration.ofSeconds(n);
                    default -> Duration.ofMillis(n);
                });
            }
            return total;
        }
    }

    @Nested
    @DisplayName("docker-compose.yml")
    class Compose {

        final ComposeFile compose = ComposeFile.load(ROOT.resolve("docker-compose.yml"));

        @Test
        void hasPostgresKafkaAndTheFourServices() {
            assertThat(compose.services()).containsKeys("postgres", "kafka");
            assertThat(compose.services()).containsKeys(SERVICES.toArray(String[]::new));
            assertThat(text(compose.service("postgres"), "image")).isEqualTo("postgres:17-alpine");
            assertThat(text(compose.service("kafka"), "image")).isEqualTo("apache/kafka:4.1.1");
            assertThat(compose.environment("kafka")).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller");
        }

        @Test
        void servicesStartOnlyOnceWhatTheyNeedIsHealthy() {
            assertThat(compose.hasHealthcheck("postgres")).as("postgres healthcheck").isTrue();
            assertThat(compose.hasHealthcheck("kafka")).as("kafka healthcheck").isTrue();
            assertSoftly(softly -> {
                for (String service : SERVICES) {
                    Map<String, String> env = compose.environment(service);
                    Map<String, String> dependsOn = compose.dependsOn(service);
                    if (env.containsKey("SPRING_R2DBC_URL")) {
                        softly.assertThat(dependsOn).as(service).containsEntry("postgres", "service_healthy");
                    }
                    if (env.containsKey("SPRING_KAFKA_BOOTSTRAP_SERVERS")) {
                        softly.assertThat(dependsOn).as(service).containsEntry("kafka", "service_healthy");
                    }
                    dependsOn.forEach((dependency, condition) -> {
                        softly.assertThat(condition).as("%s -> %s", service, dependency).isEqualTo("service_healthy");
                        softly.assertThat(compose.hasHealthcheck(dependency)).as("%s -> %s has a healthcheck", service, dependency).isTrue();
                    });
                }
                softly.assertThat(compose.dependsOn("message-service")).as("message-service").containsKeys("postgres", "kafka");
                softly.assertThat(compose.dependsOn("websocket-service")).as("websocket-service").containsKey("kafka");
                softly.assertThat(compose.dependsOn("gateway-service")).as("gateway-service")
                        .containsKeys(BACKENDS.toArray(String[]::new));
            });
        }

        @Test
        void publishesOnlyTheGatewayOn8080() {
            Map<String, Object> published = compose.services().entrySet().stream()
                    .filter(e -> !Tree.list(e.getValue(), "ports").isEmpty())
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> Tree.list(e.getValue(), "ports")));
            assertThat(published).containsOnlyKeys("gateway-service");
            assertThat(published.get("gateway-service")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                    .containsExactly("8080:8080");
        }

        @Test
        void limitsTheMemoryOfEveryContainer() {
            assertSoftly(softly -> compose.services().keySet().forEach(service ->
                    softly.assertThat(compose.memoryLimit(service)).as("%s: memory limit", service).isNotBlank()));
        }

        @Test
        void runsTheServicesFromTheJibImagesHardenedLikeInKubernetes() {
            assertSoftly(softly -> SERVICES.forEach(service -> {
                Map<String, Object> definition = compose.service(service);
                softly.assertThat(text(definition, "image")).as(service).isEqualTo("chat/" + service + ":" + IMAGE_TAG);
                softly.assertThat(compose.environment(service)).as(service).containsEntry("SERVER_PORT", "8080");
                softly.assertThat(definition.get("read_only")).as("%s: read_only", service).isEqualTo(true);
                softly.assertThat(Tree.list(definition, "tmpfs")).as("%s: tmpfs", service).contains("/tmp");
                softly.assertThat(Tree.list(definition, "cap_drop")).as("%s: cap_drop", service).contains("ALL");
                softly.assertThat(Tree.list(definition, "security_opt")).as("%s: security_opt", service)
                        .contains("no-new-privileges:true");
                softly.assertThat(compose.hasHealthcheck(service)).as("%s: healthcheck", service).isTrue();
            }));
        }

        @Test
        void configuresEachServiceWithTheSameVariablesAsTheLocalOverlay() {
            Manifests local = overlay("local");
            assertSoftly(softly -> {
                for (String service : SERVICES) {
                    Map<String, String> kubernetes = new TreeMap<>();
                    local.envOf("Deployment", service).values().stream()
                            // from the optional Secret chat-push in k8s; Compose reads them from local-secrets/push.env
                            .filter(variable -> !"chat-push".equals(variable.secret()))
                            .forEach(variable -> kubernetes.put(variable.name(), local.resolve(variable).orElse(null)));
                    Map<String, String> composed = new TreeMap<>(compose.environment(service));
                    // Compose only: settings as files from local-secrets/config (Kubernetes mounts Secrets instead)
                    composed.remove("SPRING_CONFIG_IMPORT");
                    softly.assertThat(composed.keySet()).as("%s: variable names (compose vs k8s local)", service)
                            .containsExactlyElementsOf(kubernetes.keySet());
                    // both are throwaway local setups: the values agree too, dev secrets included
                    softly.assertThat(composed).as("%s: values (compose vs k8s local)", service).isEqualTo(kubernetes);
                    softly.assertThat(text(compose.service(service), "image")).as("%s: image", service)
                            .isEqualTo(text(mainContainer(deployment(local, service)), "image"));
                }
                for (String infra : List.of("postgres", "kafka")) {
                    softly.assertThat(text(compose.service(infra), "image")).as("%s: image", infra)
                            .isEqualTo(text(mainContainer(local.get("StatefulSet", infra)), "image"));
                }
            });
        }
    }

    /** The renderings the docs recommend: the committed overlays and the combinations made by {@link #combination}. */
    static Manifests rendering(String name) {
        return switch (name) {
            case "prod + strimzi" -> combination("prod-strimzi", List.of("overlays/prod"), List.of("strimzi"), "namespace: chat\n");
            case "prod + cloudnative-pg" ->
                    combination("prod-cloudnative-pg", List.of("overlays/prod"), List.of("cloudnative-pg"), "namespace: chat\n");
            case "local + network-policies + autoscaling" -> combination("local-policies",
                    List.of("overlays/local"), List.of("network-policies", "autoscaling"), "namespace: chat\n");
            default -> overlay(name);
        };
    }

    @Nested
    @DisplayName("schemas: every object of every recommended rendering")
    class Schema {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators", "prod + strimzi", "prod + cloudnative-pg",
                "local + network-policies + autoscaling"})
        void everyRenderedObjectValidatesAgainstTheSchemaOfItsApi(String name) {
            Manifests manifests = rendering(name);
            assertThat(manifests.all()).as("%s renders objects", name).isNotEmpty();
            List<String> problems = manifests.all().stream().flatMap(o -> Schemas.validate(o).stream()).toList();
            assertThat(problems).as(name).isEmpty();
        }

        @Test
        void baseFilesAndComponentResourcesValidateAsWritten() throws IOException {
            List<String> problems = new java.util.ArrayList<>();
            try (var files = Files.walk(ROOT.resolve("k8s"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml"))
                        .filter(f -> !f.toString().contains("/patches/")).sorted().toList()) {
                    Manifests.parse(file.toString(), Files.readString(file)).all()
                            .forEach(o -> problems.addAll(Schemas.validate(o)));
                }
            }
            assertThat(problems).isEmpty();
        }

        @Test
        void theValidatorsRejectWrongFieldsAndTypes() {
            Manifests bad = Manifests.parse("bad", """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: bad}
                    spec:
                      selector: {matchLabels: {a: b}}
                      template:
                        metadata: {labels: {a: b}}
                        spec:
                          containers: [{name: bad, image: bad, ports: [{containerPort: "8080"}]}]
                    ---
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: typo}
                    spec:
                      selector: {matchLabels: {a: b}}
                      template:
                        metadata: {labels: {a: b}}
                        spec:
                          contaners: []
                          containers: [{name: typo, image: typo}]
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: bad}
                    spec: {ports: [{port: 80}], selectr: {a: b}}
                    ---
                    apiVersion: kafka.strimzi.io/v1
                    kind: KafkaTopic
                    metadata: {name: bad}
                    spec: {partitions: twelve, replicationFactor: 3}
                    ---
                    apiVersion: kafka.strimzi.io/v1
                    kind: KafkaUser
                    metadata: {name: bad}
                    spec:
                      authentication: {type: scram-sha-999}
                      authorization: {type: simple, acls: [{resource: {type: topic, name: t}, operations: [Wrte]}]}
                    ---
                    apiVersion: postgresql.cnpg.io/v1
                    kind: Cluster
                    metadata: {name: bad}
                    spec: {instances: 0, storge: {size: 1Gi}}
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: bad}
                    spec:
                      rules: [{matches: [{path: {type: Exact, value: /ws}}], backendRefs: [{name: ws, port: "8080"}]}]
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: typo}
                    spec:
                      rules: [{matches: [{path: {type: Exact, value: /ws}}], backendRefs: [{name: ws, port: 8080}], timeout: {request: 0s}}]
                    ---
                    apiVersion: gateway.envoyproxy.io/v1alpha1
                    kind: BackendTrafficPolicy
                    metadata: {name: bad}
                    spec:
                      targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ws}]
                      timeout: {http: {streamIdleTimeout: 1 hour, streamIdle: 1h}}
                    ---
                    apiVersion: example.com/v1
                    kind: Unknown
                    metadata: {name: bad}
                    """);
            List<String> problems = bad.all().stream().flatMap(o -> Schemas.validate(o).stream()).toList();
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("apps/v1/Deployment bad").contains("8080"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("apps/v1/Deployment typo").contains("contaners"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("v1/Service bad").contains("selectr"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("kafka.strimzi.io/v1/KafkaTopic bad").contains("partitions"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("kafka.strimzi.io/v1/KafkaTopic bad").contains("replicationFactor"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("kafka.strimzi.io/v1/KafkaUser bad").contains("authentication.type"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("kafka.strimzi.io/v1/KafkaUser bad").contains("operations[0]"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("postgresql.cnpg.io/v1/Cluster bad").contains("instances"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("postgresql.cnpg.io/v1/Cluster bad").contains("storge"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("gateway.networking.k8s.io/v1/HTTPRoute bad").contains("8080"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("gateway.networking.k8s.io/v1/HTTPRoute typo").contains("timeout"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy bad")
                    .contains("streamIdleTimeout"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy bad")
                    .contains("streamIdle:").contains("unknown field"));
            assertThat(problems).anySatisfy(p -> assertThat(p).contains("no schema known for example.com/v1/Unknown"));
            Manifests good = Manifests.parse("good", """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: good}
                    spec: {ports: [{port: 80, targetPort: http}], selector: {a: b}}
                    """);
            assertThat(Schemas.validate(good.all().getFirst())).isEmpty();
        }
    }

    @Nested
    @DisplayName("secrets of a site overlay (prod + secretGenerator)")
    class SiteSecrets {

        static String secrets(String dbPassword) {
            StringBuilder k = new StringBuilder("secretGenerator:\n");
            EXTERNAL_SECRETS.forEach((name, keys) -> {
                k.append("  - name: ").append(name).append("\n    literals:\n");
                keys.forEach(key -> k.append("      - ").append(key).append('=')
                        .append(key.equals("password") && name.equals("chat-db-message-service") ? dbPassword : "test-value").append('\n'));
            });
            return k.toString();
        }

        @Test
        void everySecretGetsAHashedNameAndAChangeRollsOnlyThePodsThatUseIt() {
            Manifests a = combination("site-a", List.of("overlays/prod"), List.of(), "namespace: chat\n" + secrets("first"));
            Manifests b = combination("site-b", List.of("overlays/prod"), List.of(), "namespace: chat\n" + secrets("second"));
            assertSoftly(softly -> a.workloads().forEach(workload -> {
                for (String secret : secretNames(workload)) {
                    softly.assertThat(a.find("Secret", secret)).as("%s uses Secret %s, rendered", WorkloadRules.describe(workload), secret)
                            .isPresent();
                    softly.assertThat(secret).as("%s: a generated name with a hash suffix", secret).matches(".+-[a-z0-9]{10}");
                }
            }));
            assertThat(secretNames(b.get("Deployment", "message-service")))
                    .as("message-service's pod template changes with its database password: the pods roll")
                    .isNotEqualTo(secretNames(a.get("Deployment", "message-service")));
            assertThat(secretNames(b.get("Deployment", "gateway-service"))).as("the gateway does not use it")
                    .isEqualTo(secretNames(a.get("Deployment", "gateway-service")));
        }

        private static Set<String> secretNames(Map<String, Object> workload) {
            Set<String> names = new java.util.TreeSet<>();
            for (Map<String, Object> container : maps(podSpec(workload), "containers")) {
                Manifests.env(container).stream().filter(Manifests.EnvVar::fromSecret).forEach(e -> names.add(e.secret()));
            }
            for (Map<String, Object> container : maps(podSpec(workload), "initContainers")) {
                Manifests.env(container).stream().filter(Manifests.EnvVar::fromSecret).forEach(e -> names.add(e.secret()));
            }
            maps(podSpec(workload), "volumes").forEach(v -> {
                String name = text(v, "secret", "secretName");
                if (name != null) {
                    names.add(name);
                }
            });
            return names;
        }
    }

    @Nested
    @DisplayName("production connections, migrations and operators")
    class Production {

        static final List<String> KAFKA_SERVICES = BACKENDS;
        static final List<String> DATABASE_SERVICES = List.of("message-service", "notification-service");

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"prod", "prod-operators"})
        void talksTlsToKafkaAndPostgresAndVerifiesTheirCertificates(String name) {
            Manifests prod = overlay(name);
            assertSoftly(softly -> {
                for (String service : KAFKA_SERVICES) {
                    Map<String, Manifests.EnvVar> env = prod.envOf("Deployment", service);
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_KAFKA_SECURITY_PROTOCOL")).as(service).isEqualTo("SASL_SSL");
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM")).as(service)
                            .isEqualTo("SCRAM-SHA-512");
                    softly.assertThat(env.get("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")).as("%s: JAAS from its own Secret", service)
                            .isEqualTo(new Manifests.EnvVar("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", null, null,
                                    "chat-kafka-" + service, "sasl.jaas.config"));
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_KAFKA_SSL_TRUST_STORE_TYPE")).as(service).isEqualTo("PEM");
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_KAFKA_SSL_TRUST_STORE_LOCATION")).as(service)
                            .isEqualTo("file:/etc/chat/kafka-ca/ca.crt");
                    softly.assertThat(mountedSecret(prod.get("Deployment", service), "/etc/chat/kafka-ca")).as(service)
                            .isEqualTo("chat-kafka-cluster-ca-cert");
                    softly.assertThat(prod.valueOf("Deployment", service, "CHAT_KAFKA_DECLARE_TOPICS")).as(service).isEqualTo("false");
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_KAFKA_BOOTSTRAP_SERVERS")).as(service)
                            .doesNotContain(":9092");
                }
                for (String service : DATABASE_SERVICES) {
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_R2DBC_URL")).as(service)
                            .contains("sslMode=verify-full").contains("sslRootCert=/etc/chat/postgres-ca/ca.crt");
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_FLYWAY_URL")).as(service)
                            .contains("sslmode=verify-full").contains("sslrootcert=/etc/chat/postgres-ca/ca.crt");
                    softly.assertThat(mountedSecret(prod.get("Deployment", service), "/etc/chat/postgres-ca")).as(service)
                            .isEqualTo("chat-postgres-ca");
                }
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"prod", "prod-operators"})
        void migratesOncePerReleaseWithTheMigrationRoleWhileTheServicesCannotChangeTheSchema(String name) {
            Manifests prod = overlay(name);
            assertSoftly(softly -> {
                for (String service : DATABASE_SERVICES) {
                    Map<String, Object> job = prod.get("Job", service + "-migrate");
                    Map<String, Object> flyway = Manifests.mainContainer(job);
                    Map<String, Manifests.EnvVar> env = new java.util.LinkedHashMap<>();
                    Manifests.env(flyway).forEach(e -> env.put(e.name(), e));
                    softly.assertThat(env.get("FLYWAY_USER").secret()).as("%s: migration role", service).isEqualTo("chat-db-migrator");
                    softly.assertThat(env.get("FLYWAY_PASSWORD").secret()).as("%s: migration role", service).isEqualTo("chat-db-migrator");
                    softly.assertThat(env.get("FLYWAY_PLACEHOLDERS_APPROLE").secret()).as("%s: grants to the service's role", service)
                            .isEqualTo("chat-db-" + service);
                    softly.assertThat(prod.resolve(env.get("FLYWAY_URL"))).as("%s: the services' JDBC URL", service)
                            .contains(prod.valueOf("Deployment", service, "SPRING_FLYWAY_URL"));
                    String image = text(maps(podSpec(job), "initContainers").getFirst(), "image");
                    softly.assertThat(image).as("%s: the migrations of the release's own image", service)
                            .isEqualTo(text(mainContainer(prod.get("Deployment", service)), "image"));
                    softly.assertThat(prod.valueOf("Deployment", service, "SPRING_FLYWAY_ENABLED")).as(service).isEqualTo("false");
                    softly.assertThat(prod.envOf("Deployment", service).get("SPRING_R2DBC_USERNAME").secret()).as(service)
                            .isEqualTo("chat-db-" + service);
                    softly.assertThat(Tree.strings(job, "metadata", "labels")).as("%s: applied first by the release step", service)
                            .containsEntry("chat.dev/release-step", "migrate");
                }
                for (String needed : List.of("Namespace/chat", "ConfigMap/chat-config", "ServiceAccount/chat-migrate",
                        "NetworkPolicy/migration-egress-postgres", "ConfigMap/chat-migration-callbacks")) {
                    String kind = needed.split("/")[0];
                    softly.assertThat(prod.ofKind(kind).stream().filter(o -> nameOf(o).startsWith(needed.split("/")[1]))
                                    .map(o -> Tree.strings(o, "metadata", "labels").get("chat.dev/release-step")))
                            .as("%s is applied by the migration step", needed).containsOnly("migrate");
                }
            });
        }

        @Test
        void strimziUsersTopicsAndSecretsAreWhatTheServicesUse() {
            Manifests m = overlay("prod-operators");
            Map<String, Object> kafka = m.get("Kafka", "chat-kafka");
            Map<String, Object> listener = maps(kafka, "spec", "kafka", "listeners").getFirst();
            assertSoftly(softly -> {
                softly.assertThat(maps(kafka, "spec", "kafka", "listeners")).as("one listener").hasSize(1);
                softly.assertThat(listener.get("tls")).as("TLS listener").isEqualTo(true);
                softly.assertThat(text(listener, "authentication", "type")).isEqualTo("scram-sha-512");
                softly.assertThat(text(kafka, "spec", "kafka", "authorization", "type")).isEqualTo("simple");
                String bootstrap = "chat-kafka-kafka-bootstrap:" + listener.get("port");
                Set<String> declared = m.ofKind("KafkaTopic").stream().map(t -> text(t, "spec", "topicName")).collect(Collectors.toSet());
                softly.assertThat(declared).containsExactlyInAnyOrder("chat.events", "chat.signals", "chat.presence",
                        "chat.presence.updates", "chat.revocations");
                for (Map<String, Object> topic : m.ofKind("KafkaTopic")) {
                    softly.assertThat(Tree.at(topic, "spec", "partitions")).as("%s partitions", nameOf(topic))
                            .hasToString(m.valueOf("Deployment", "message-service", "CHAT_KAFKA_PARTITIONS"));
                    softly.assertThat(Tree.at(topic, "spec", "replicas")).as("%s replicas", nameOf(topic))
                            .hasToString(m.valueOf("Deployment", "message-service", "CHAT_KAFKA_REPLICATION_FACTOR"));
                    softly.assertThat(text(topic, "spec", "config", "retention.ms") != null
                            || "compact".equals(text(topic, "spec", "config", "cleanup.policy"))).as("%s retention", nameOf(topic)).isTrue();
                }
                softly.assertThat(m.ofKind("KafkaTopic").stream().filter(t -> "chat.revocations".equals(text(t, "spec", "topicName")))
                        .map(t -> text(t, "spec", "config", "cleanup.policy"))).containsExactly("compact");
                for (String service : KAFKA_SERVICES) {
                    softly.assertThat(m.valueOf("Deployment", service, "SPRING_KAFKA_BOOTSTRAP_SERVERS")).as(service).isEqualTo(bootstrap);
                    Map<String, Object> user = m.find("KafkaUser", "chat-kafka-" + service).orElse(Map.of());
                    softly.assertThat(user).as("%s: its KafkaUser (whose Secret it reads)", service).isNotEmpty();
                    softly.assertThat(text(user, "spec", "authentication", "type")).as(service).isEqualTo("scram-sha-512");
                    for (Map<String, Object> acl : maps(user, "spec", "authorization", "acls")) {
                        if ("topic".equals(text(acl, "resource", "type")) && "literal".equals(text(acl, "resource", "patternType"))) {
                            softly.assertThat(declared).as("%s: ACL on a declared topic", service).contains(text(acl, "resource", "name"));
                        }
                    }
                }
                List<Map<String, Object>> streamsAcls = maps(m.get("KafkaUser", "chat-kafka-notification-service"), "spec", "authorization", "acls");
                for (String type : List.of("topic", "group", "transactionalId")) {
                    softly.assertThat(streamsAcls).as("Kafka Streams: %s prefix ACL for chat-notification", type).anySatisfy(acl -> {
                        assertThat(text(acl, "resource", "type")).isEqualTo(type);
                        assertThat(text(acl, "resource", "patternType")).isEqualTo("prefix");
                        assertThat(text(acl, "resource", "name")).startsWith("chat-notification");
                    });
                }
                softly.assertThat(maps(m.get("KafkaUser", "chat-kafka-message-service"), "spec", "authorization", "acls"))
                        .as("message-service's consumer groups").extracting(acl -> text(acl, "resource", "name"))
                        .contains("chat-message-signals", "chat-message-presence");
            });
        }

        @Test
        void cloudNativePgRolesAndCaAreWhatTheServicesAndJobsUse() {
            Manifests m = overlay("prod-operators");
            Map<String, Object> cluster = m.get("Cluster", "chat-postgres");
            assertSoftly(softly -> {
                softly.assertThat(text(cluster, "spec", "bootstrap", "initdb", "secret", "name")).isEqualTo("chat-db-migrator");
                softly.assertThat(maps(cluster, "spec", "managed", "roles")).extracting(r -> text(r, "passwordSecret", "name"))
                        .containsExactlyInAnyOrder("chat-db-message-service", "chat-db-notification-service");
                for (String service : DATABASE_SERVICES) {
                    softly.assertThat(hostAndPort(m.valueOf("Deployment", service, "SPRING_R2DBC_URL"))).isEqualTo("chat-postgres-rw:5432");
                    softly.assertThat(hostAndPort(m.valueOf("Deployment", service, "SPRING_FLYWAY_URL"))).isEqualTo("chat-postgres-rw:5432");
                    softly.assertThat(mountedSecret(m.get("Deployment", service), "/etc/chat/postgres-ca"))
                            .isEqualTo(nameOf(cluster) + "-ca");
                }
            });
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"local", "prod", "prod-operators"})
        void notificationServiceMountsThePushCredentialsFromAnOptionalSecret(String name) {
            Manifests m = overlay(name);
            Map<String, Object> deployment = m.get("Deployment", "notification-service");
            Map<String, Object> volume = maps(podSpec(deployment), "volumes").stream()
                    .filter(v -> "chat-push".equals(text(v, "secret", "secretName"))).findFirst().orElse(Map.of());
            assertThat(volume).as("a volume from Secret chat-push").isNotEmpty();
            assertThat(Tree.at(volume, "secret", "optional")).as("optional: the channels are disabled without it").isEqualTo(true);
            assertThat(mountedSecret(deployment, "/etc/chat/push")).isEqualTo("chat-push");
            assertThat(m.valueOf("Deployment", "notification-service", "CHAT_PUSH_FCM_CREDENTIALS_FILE")).startsWith("/etc/chat/push/");
            assertThat(m.valueOf("Deployment", "notification-service", "CHAT_PUSH_APNS_KEY_FILE")).startsWith("/etc/chat/push/");
        }

        private static String mountedSecret(Map<String, Object> workload, String mountPath) {
            String volume = maps(mainContainer(workload), "volumeMounts").stream()
                    .filter(mount -> mountPath.equals(mount.get("mountPath"))).map(mount -> text(mount, "name")).findFirst().orElse(null);
            return maps(podSpec(workload), "volumes").stream().filter(v -> java.util.Objects.equals(v.get("name"), volume))
                    .map(v -> text(v, "secret", "secretName")).findFirst().orElse(null);
        }
    }

    /** {@code host:port} of a JDBC or R2DBC URL. */
    private static String hostAndPort(String url) {
        URI uri = URI.create(url.replaceFirst("^(jdbc|r2dbc):", ""));
        return uri.getHost() + ":" + uri.getPort();
    }

    private static List<Object> servicePorts(Manifests manifests, String service) {
        return maps(manifests.get("Service", service), "spec", "ports").stream().map(p -> p.get("port")).toList();
    }
}
