package dev.chat.devstack;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Stands in for a service in the dev-stack tests: packed into {@code <module>/target/<module>-0.1.0-SNAPSHOT-exec.jar}
 * by {@link FakeProject}, it listens on SERVER_PORT and answers readiness, shows its environment at
 * {@code /env}, and as the gateway fakes the three endpoints of the runner's example.
 * FAKE_FAIL=<module> makes that module exit with code 3; FAKE_READY_AFTER_MS delays readiness.
 */
public final class FakeService {

    private static final Pattern USER_ID = Pattern.compile("\"user_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern CONVERSATION_ID = Pattern.compile("\"conversation_id\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern CONTENT = Pattern.compile("\"content\"\\s*:\\s*\"([^\"]*)\"");

    private FakeService() {
    }

    public static void main(String[] args) throws Exception {
        if ("tools".equals(System.getProperty("jarmode"))) {
            extract(args); // like Spring Boot's `java -Djarmode=tools -jar x.jar extract --destination dir`
            return;
        }
        String name = moduleName();
        if (name.equals(System.getenv("FAKE_FAIL"))) {
            System.out.println("boom: " + name + " cannot start");
            System.exit(3);
        }
        long readyAfter = Long.parseLong(System.getenv().getOrDefault("FAKE_READY_AFTER_MS", "0"));
        int port = Integer.parseInt(System.getenv("SERVER_PORT"));
        HttpServer server = serve(port, readyAfter);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println(name + " listening on " + port);
    }

    static HttpServer serve(int port, long readyAfterMillis) throws IOException {
        long readyAt = System.currentTimeMillis() + readyAfterMillis;
        Set<String> conversations = ConcurrentHashMap.newKeySet();
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 50);
        server.createContext("/actuator/health/readiness", exchange -> {
            boolean ready = System.currentTimeMillis() >= readyAt;
            send(exchange, ready ? 200 : 503, ready ? "{\"status\":\"UP\"}" : "{\"status\":\"OUT_OF_SERVICE\"}");
        });
        server.createContext("/env", exchange -> {
            StringBuilder body = new StringBuilder();
            new TreeMap<>(System.getenv()).forEach((k, v) -> body.append(k).append('=').append(v).append('\n'));
            send(exchange, 200, body.toString());
        });
        server.createContext("/api/v1/dev/tokens", exchange -> {
            Matcher user = USER_ID.matcher(body(exchange));
            if (!exchange.getRequestMethod().equals("POST") || !user.find()) {
                send(exchange, 400, "{\"code\":\"validation_failed\"}");
                return;
            }
            send(exchange, 200, "{\"access_token\":\"tok-" + user.group(1) + "\",\"expires_at\":\"2026-11-22T12:00:00.000Z\"}");
        });
        server.createContext("/api/v1/conversations", exchange -> {
            String body = body(exchange);
            if (!authorized(exchange, "alice")) {
                send(exchange, 401, "{\"code\":\"unauthorized\"}");
                return;
            }
            if (!body.contains("\"participant_ids\":[\"bob\"]")) {
                send(exchange, 400, "{\"code\":\"validation_failed\"}");
                return;
            }
            String id = UUID.randomUUID().toString();
            conversations.add(id);
            // "id" deliberately not the first field, and user_id keys around it
            send(exchange, 201, "{\"type\":\"direct\",\"id\":\"" + id + "\",\"title\":null,\"created_by\":\"alice\","
                    + "\"participants\":[{\"user_id\":\"alice\",\"role\":\"owner\"},{\"user_id\":\"bob\",\"role\":\"member\"}],"
                    + "\"participant_count\":2,\"last_seq\":0,\"last_message\":null}");
        });
        server.createContext("/api/v1/messages", exchange -> {
            String body = body(exchange);
            Matcher conversation = CONVERSATION_ID.matcher(body);
            Matcher content = CONTENT.matcher(body);
            if (!authorized(exchange, "alice")) {
                send(exchange, 401, "{\"code\":\"unauthorized\"}");
                return;
            }
            if (!conversation.find() || !conversations.contains(conversation.group(1)) || !content.find()) {
                send(exchange, 404, "{\"code\":\"conversation_not_found\",\"body\":\"" + body.replace("\"", "'") + "\"}");
                return;
            }
            send(exchange, 201, "{\"id\":\"" + UUID.randomUUID() + "\",\"conversation_id\":\"" + conversation.group(1)
                    + "\",\"seq\":1,\"sender_id\":\"alice\",\"content\":\"" + content.group(1) + "\"}");
        });
        server.start();
        return server;
    }

    private static boolean authorized(HttpExchange exchange, String user) {
        return ("Bearer tok-" + user).equals(exchange.getRequestHeaders().getFirst("Authorization"));
    }

    private static String body(HttpExchange exchange) throws IOException {
        return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {@code <module>-0.1.0-SNAPSHOT-exec.jar}, wherever it was copied to. */
    private static String moduleName() throws URISyntaxException {
        return ownJar().getFileName().toString().replace("-0.1.0-SNAPSHOT-exec.jar", "");
    }

    private static Path ownJar() throws URISyntaxException {
        return Path.of(FakeService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void extract(String[] args) throws Exception {
        if (args.length != 3 || !args[0].equals("extract") || !args[1].equals("--destination")) {
            System.out.println("fake jarmode: unexpected arguments " + String.join(" ", args));
            System.exit(2);
        }
        Path jar = ownJar();
        Path destination = java.nio.file.Files.createDirectories(Path.of(args[2]));
        java.nio.file.Files.copy(jar, destination.resolve(jar.getFileName()));
        System.out.println("fake jarmode: extracted " + jar.getFileName() + " to " + destination);
    }

    static Map<String, String> parseEnv(String body) {
        Map<String, String> env = new TreeMap<>();
        body.lines().forEach(line -> {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        });
        return env;
    }
}
