package dev.chat.deploycheck;

import static dev.chat.deploycheck.Manifests.mainContainer;
import static dev.chat.deploycheck.Manifests.nameOf;
import static dev.chat.deploycheck.Manifests.podSpec;
import static dev.chat.deploycheck.Tree.at;
import static dev.chat.deploycheck.Tree.list;
import static dev.chat.deploycheck.Tree.map;
import static dev.chat.deploycheck.Tree.maps;
import static dev.chat.deploycheck.Tree.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rules every workload must follow, each returning the problems it finds (empty = fine), so that a
 * test can report every violation at once and the rules themselves can be tested on a bad example.
 */
final class WorkloadRules {

    static final String LIVENESS = "/actuator/health/liveness";
    static final String READINESS = "/actuator/health/readiness";
    static final int SERVICE_UID = 65532;
    static final int HTTP_PORT = 8080;

    private WorkloadRules() {
    }

    /**
     * What the "restricted" Pod Security Standard requires of every pod (the infrastructure in the local
     * overlay included): non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp,
     * no host namespaces, no hostPath volumes, no privileged containers.
     */
    static List<String> restrictedPodSecurity(Map<String, Object> workload) {
        var problems = new ArrayList<String>();
        Map<String, Object> pod = podSpec(workload);
        for (String hostField : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (Boolean.TRUE.equals(pod.get(hostField))) {
                problems.add(hostField + " is set");
            }
        }
        for (Map<String, Object> volume : maps(pod, "volumes")) {
            if (volume.containsKey("hostPath")) {
                problems.add("volume " + volume.get("name") + " is a hostPath");
            }
        }
        for (Map<String, Object> container : containers(workload)) {
            String where = "container " + container.get("name") + ": ";
            if (!Boolean.TRUE.equals(effective(pod, container, "runAsNonRoot"))) {
                problems.add(where + "runAsNonRoot is not true");
            }
            Object uid = effective(pod, container, "runAsUser");
            if (uid instanceof Number number && number.longValue() == 0) {
                problems.add(where + "runAsUser is 0");
            }
            if (!Boolean.FALSE.equals(at(container, "securityContext", "allowPrivilegeEscalation"))) {
                problems.add(where + "allowPrivilegeEscalation is not false");
            }
            if (Boolean.TRUE.equals(at(container, "securityContext", "privileged"))) {
                problems.add(where + "privileged");
            }
            if (!list(container, "securityContext", "capabilities", "drop").contains("ALL")) {
                problems.add(where + "capabilities do not drop ALL");
            }
            if (!list(container, "securityContext", "capabilities", "add").isEmpty()) {
                problems.add(where + "adds capabilities " + list(container, "securityContext", "capabilities", "add"));
            }
            Object seccomp = Objects.requireNonNullElse(at(container, "securityContext", "seccompProfile", "type"),
                    Objects.requireNonNullElse(at(pod, "securityContext", "seccompProfile", "type"), "unset"));
            if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                problems.add(where + "seccompProfile is " + seccomp + ", not RuntimeDefault");
            }
        }
        return problems;
    }

    /**
     * A chat service's own hardening beyond "restricted": the image's user 65532, a read-only root
     * filesystem with an emptyDir at /tmp, and no Kubernetes API token in the pod.
     */
    static List<String> serviceHardening(Map<String, Object> workload) {
        var problems = new ArrayList<String>(restrictedPodSecurity(workload));
        Map<String, Object> pod = podSpec(workload);
        Map<String, Object> container = mainContainer(workload);
        Object uid = effective(pod, container, "runAsUser");
        if (!(uid instanceof Number number) || number.intValue() != SERVICE_UID) {
            problems.add("runAsUser is " + uid + ", not " + SERVICE_UID);
        }
        if (!Boolean.TRUE.equals(at(container, "securityContext", "readOnlyRootFilesystem"))) {
            problems.add("readOnlyRootFilesystem is not true");
        }
        String tmpVolume = maps(container, "volumeMounts").stream()
                .filter(m -> "/tmp".equals(m.get("mountPath"))).map(m -> text(m, "name")).findFirst().orElse(null);
        boolean tmpIsEmptyDir = maps(pod, "volumes").stream()
                .anyMatch(v -> Objects.equals(v.get("name"), tmpVolume) && v.containsKey("emptyDir"));
        if (!tmpIsEmptyDir) {
            problems.add("no emptyDir mounted at /tmp");
        }
        if (!Boolean.FALSE.equals(pod.get("automountServiceAccountToken"))) {
            problems.add("automountServiceAccountToken is not false");
        }
        return problems;
    }

    /** Requests and limits for CPU and memory; startup, liveness and readiness probes on the actuator. */
    static List<String> resourcesAndProbes(Map<String, Object> workload) {
        var problems = new ArrayList<String>();
        Map<String, Object> container = mainContainer(workload);
        for (String kind : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
                if (text(container, "resources", kind, resource) == null) {
                    problems.add("no " + kind + "." + resource);
                }
            }
        }
        problems.addAll(httpProbe(container, "livenessProbe", LIVENESS));
        problems.addAll(httpProbe(container, "readinessProbe", READINESS));
        problems.addAll(httpProbe(container, "startupProbe", LIVENESS));
        return problems;
    }

    /** SERVER_PORT=8080 and a container port 8080 (the port the probes use). */
    static List<String> listensOnHttpPort(Map<String, Object> workload) {
        var problems = new ArrayList<String>();
        Map<String, Object> container = mainContainer(workload);
        String serverPort = Manifests.env(container).stream()
                .filter(e -> "SERVER_PORT".equals(e.name())).map(Manifests.EnvVar::value).findFirst().orElse(null);
        if (!String.valueOf(HTTP_PORT).equals(serverPort)) {
            problems.add("SERVER_PORT is " + serverPort + ", not " + HTTP_PORT);
        }
        boolean declared = maps(container, "ports").stream()
                .anyMatch(p -> p.get("containerPort") instanceof Number n && n.intValue() == HTTP_PORT);
        if (!declared) {
            problems.add("no containerPort " + HTTP_PORT);
        }
        return problems;
    }

    /** Whether a Service's targetPort (a number or a port name) is a port of the workload's containers. */
    static boolean exposesPort(Map<String, Object> workload, Object targetPort) {
        return containers(workload).stream().flatMap(c -> maps(c, "ports").stream()).anyMatch(port ->
                targetPort instanceof Number n ? port.get("containerPort") instanceof Number p && p.intValue() == n.intValue()
                        : Objects.equals(port.get("name"), targetPort));
    }

    private static List<String> httpProbe(Map<String, Object> container, String probe, String path) {
        Map<String, Object> httpGet = map(container, probe, "httpGet");
        if (httpGet.isEmpty()) {
            return List.of("no " + probe + " with httpGet");
        }
        var problems = new ArrayList<String>();
        if (!path.equals(httpGet.get("path"))) {
            problems.add(probe + " path is " + httpGet.get("path") + ", not " + path);
        }
        Object port = httpGet.get("port");
        boolean onHttpPort = port instanceof Number n ? n.intValue() == HTTP_PORT
                : maps(container, "ports").stream().anyMatch(p -> Objects.equals(p.get("name"), port)
                        && p.get("containerPort") instanceof Number n && n.intValue() == HTTP_PORT);
        if (!onHttpPort) {
            problems.add(probe + " port " + port + " is not the container port " + HTTP_PORT);
        }
        return problems;
    }

    private static List<Map<String, Object>> containers(Map<String, Object> workload) {
        var all = new ArrayList<>(maps(podSpec(workload), "initContainers"));
        all.addAll(maps(podSpec(workload), "containers"));
        return all;
    }

    /** A securityContext field as Kubernetes applies it: the container's, else the pod's. */
    private static Object effective(Map<String, Object> pod, Map<String, Object> container, String field) {
        Object own = at(container, "securityContext", field);
        return own != null ? own : at(pod, "securityContext", field);
    }

    static String describe(Map<String, Object> object) {
        return object.get("kind") + "/" + nameOf(object);
    }
}
