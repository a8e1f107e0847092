package dev.chat.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The whole chat system on one machine, without Docker: a real PostgreSQL (zonky's embedded
 * binaries), a real single-node KRaft Kafka broker (a separate JVM from the Maven Central jars),
 * and the four services as {@code java -jar <module>/target/*-exec.jar} processes.
 *
 * <pre>{@code
 * try (ChatStack stack = ChatStack.builder().projectRoot(root).gatewayPort(0).logDir(logs).start()) {
 *     URI api = stack.gatewayUrl();
 * }
 * }</pre>
 *
 * {@link Builder#start()} returns once every service answers {@code GET /actuator/health/readiness}
 * with UP; on any failure it stops what it started and throws with the tail of the failing log.
 * {@link #close()} stops everything (SIGTERM, then SIGKILL after a grace period) and leaves no
 * process behind; a shutdown hook does the same if the JVM exits first.
 */
public final class ChatStack implements AutoCloseable {

    /** The four services, as Maven modules under the project root. */
    public static final List<String> SERVICES =
            List.of("gateway-service", "message-service", "websocket-service", "notification-service");

    static final String GATEWAY = "gateway-service";
    static final String WEBSOCKET = "websocket-service";
    /** The gateway's load-balancer service id for the websocket nodes (lb://websocket) when there are several. */
    static final String WEBSOCKET_LB_ID = "websocket";
    /** Services that own a schema in PostgreSQL and get the SPRING_R2DBC_* and SPRING_FLYWAY_* settings. */
    static final List<String> DATABASE_SERVICES = List.of("message-service", "notification-service");

    private static final Duration SERVICE_STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration KAFKA_START_TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> SERVICE_JVM_OPTIONS = List.of(
            "-Xms64m", "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
            "--enable-native-access=ALL-UNNAMED"); // Netty loads its native transport

    private final Path projectRoot;
    private final Map<String, String> extraEnv;
    private final Path logDir;
    private final Path workDir;
    private final boolean temporaryWorkDir;
    private final LaunchCache launchCache;
    private final Duration startupTimeout;
    private final Consumer<String> progress;
    private final Ports ports = new Ports();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ProcessRegistry registry;
    private final Thread shutdownHook = new Thread(this::close, "chat-stack-shutdown");
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Object closeLock = new Object();
    private boolean closing;

    private final int gatewayPort;
    private final Map<String, Integer> servicePorts = new LinkedHashMap<>();
    private final Map<String, ChildProcess> services = new LinkedHashMap<>();
    /** Each instance's command and environment, so that it can be started again after {@link #kill}. */
    private final Map<String, List<String>> commands = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> environments = new LinkedHashMap<>();
    private final List<String> instances;
    private final java.util.function.Function<String, List<String>> jvmOptions;
    private final boolean durablePostgres;
    private final Map<String, CompletableFuture<LaunchCache.Launch>> launches = new LinkedHashMap<>();
    private FileChannel lockChannel;
    private FileLock lock;
    private volatile CompletableFuture<PostgresServer> postgres = CompletableFuture.completedFuture(null);
    private volatile KafkaBroker kafka;
    private String jwtSecret;
    private long startNanos;

    private ChatStack(Builder builder) throws IOException {
        this.projectRoot = builder.projectRoot.toAbsolutePath().normalize();
        this.extraEnv = Map.copyOf(builder.env);
        this.temporaryWorkDir = builder.workDir == null;
        this.workDir = temporaryWorkDir ? Files.createTempDirectory("chat-stack-")
                : builder.workDir.toAbsolutePath().normalize();
        this.logDir = builder.logDir != null ? builder.logDir.toAbsolutePath().normalize()
                : Files.createTempDirectory("chat-stack-logs-");
        this.startupTimeout = builder.startupTimeout;
        this.launchCache = new LaunchCache(builder.cacheDirSet ? builder.cacheDir
                : projectRoot.resolve(".chat-local").resolve("cache"));
        this.progress = builder.progress;
        this.registry = new ProcessRegistry(workDir.resolve("pids"));
        this.gatewayPort = builder.gatewayPort == 0 ? ports.free() : builder.gatewayPort;
        ports.reserve(gatewayPort);
        List<String> all = new ArrayList<>();
        for (String service : SERVICES) {
            all.add(service);
            if (service.equals(WEBSOCKET)) {
                for (int node = 2; node <= builder.webSocketNodes; node++) {
                    all.add(WEBSOCKET + "-" + node);
                }
            }
        }
        this.instances = List.copyOf(all);
        this.jvmOptions = builder.jvmOptions;
        this.durablePostgres = builder.durablePostgres;
    }

    /** The module an instance runs: {@code websocket-service-2} runs websocket-service. */
    static String moduleOf(String instance) {
        return instance.startsWith(WEBSOCKET) ? WEBSOCKET : instance;
    }

    /** Every service process of this stack: the four services, and further websocket nodes if asked for. */
    public List<String> instances() {
        return instances;
    }

    /** The websocket-service instances. */
    public List<String> webSocketNodes() {
        return instances.stream().filter(i -> moduleOf(i).equals(WEBSOCKET)).toList();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts a {@link ChatStack}. */
    public static final class Builder {

        private Path projectRoot = Path.of(System.getProperty("chat.project.root", "."));
        private int gatewayPort;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path logDir;
        private Path workDir;
        private Duration startupTimeout = Duration.ofSeconds(120);
        private Path cacheDir;
        private boolean cacheDirSet;
        private Consumer<String> progress = message -> { };
        private int webSocketNodes = 1;
        private java.util.function.Function<String, List<String>> jvmOptions = module -> SERVICE_JVM_OPTIONS;
        private boolean durablePostgres;

        private Builder() {
        }

        /**
         * The JVM options of each service (by module name), instead of the quick-start defaults: benchmarks run
         * the services with the flags and heaps of the container images.
         */
        public Builder serviceJvmOptions(java.util.function.Function<String, List<String>> optionsByModule) {
            this.jvmOptions = Objects.requireNonNull(optionsByModule, "optionsByModule");
            return this;
        }

        /** PostgreSQL with fsync, synchronous_commit and full_page_writes on, as in production (default off). */
        public Builder durablePostgres(boolean durable) {
            this.durablePostgres = durable;
            return this;
        }

        /**
         * How many websocket-service processes to run (default 1). With more than one the gateway
         * balances {@code /ws} over them (round robin, skipping instances that fail their health check);
         * they are named {@code websocket-service}, {@code websocket-service-2}, ...
         */
        public Builder webSocketNodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("1..9 websocket nodes, not " + nodes);
            }
            this.webSocketNodes = nodes;
            return this;
        }

        /**
         * The repository root: each service's jar is {@code <root>/<service>/target/<service>-<version>-exec.jar}.
         * Default: the system property {@code chat.project.root}, else the working directory.
         */
        public Builder projectRoot(Path root) {
            this.projectRoot = Objects.requireNonNull(root, "root");
            return this;
        }

        /** The gateway's port; 0 (the default) picks a free one. The other services always get free ports. */
        public Builder gatewayPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("not a port: " + port);
            }
            this.gatewayPort = port;
            return this;
        }

        /** An extra environment variable for every service process; wins over everything else. */
        public Builder env(String key, String value) {
            env.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Each process logs to {@code <dir>/<name>.log}. Default: a new temporary directory (kept). */
        public Builder logDir(Path dir) {
            this.logDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Where PostgreSQL and Kafka keep their data while the stack runs (wiped at start and at close).
         * One stack at a time per directory (it is locked); a later stack stops the processes a killed
         * earlier one left behind. Default: a new temporary directory, deleted at close.
         */
        public Builder workDir(Path dir) {
            this.workDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Where each service's Spring Boot jar is kept extracted (once per build), so that services start
         * with about a third less CPU. Default: {@code <projectRoot>/.chat-local/cache}; null runs every
         * service from its executable jar.
         */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            this.cacheDirSet = true;
            return this;
        }

        /** How long each phase may take (PostgreSQL and Kafka; the services' readiness). Default 120 s. */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Receives one line per start-up step (the local runner prints them). */
        public Builder onProgress(Consumer<String> listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Starts PostgreSQL and Kafka (in parallel), then the four services (in parallel), and returns
         * when all are ready. On failure stops what it started and throws {@link IllegalStateException}
         * with the tail of the failing log.
         */
        public ChatStack start() {
            ChatStack stack;
            try {
                stack = new ChatStack(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the stack's directories", e);
            }
            stack.startAll();
            return stack;
        }
    }

    // ---------------------------------------------------------------- start

    private void startAll() {
        startNanos = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            Map<String, Path> jars = findJars();
            prepareWorkDir(); // first: it stops what a killed earlier run left on the gateway port
            checkGatewayPort();
            Files.createDirectories(logDir);
            prepareLaunches(jars);
            startInfrastructure();
            startServices();
        } catch (Exception e) {
            boolean closedElsewhere = registry.isClosed(); // by the shutdown hook: the JVM is exiting
            close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (closedElsewhere) {
                throw new IllegalStateException("start-up interrupted: the stack was closed (JVM shutdown?)", e);
            }
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private Map<String, Path> findJars() throws IOException {
        Map<String, Path> jars = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String service : SERVICES) {
            Path target = projectRoot.resolve(service).resolve("target");
            List<Path> candidates = new ArrayList<>();
            if (Files.isDirectory(target)) {
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(target, service + "-*-exec.jar")) {
                    stream.forEach(candidates::add);
                }
            }
            candidates.sort(Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed());
            if (candidates.isEmpty()) {
                missing.add(target.resolve(service + "-<version>-exec.jar").toString());
            } else {
                jars.put(service, candidates.get(0));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no executable jar for " + String.join(", ", missing)
                    + "\nBuild them first: ./mvnw -DskipTests package -pl " + String.join(",", SERVICES)
                    + " -am   (./chat up does this for you)");
        }
        return jars;
    }

    private void checkGatewayPort() {
        if (!Ports.isFree(gatewayPort)) {
            throw new IllegalStateException("port " + gatewayPort + " is in use (another ./chat up, or another "
                    + "server?). Stop it, or choose another gateway port (./chat up --port 9080, or CHAT_GATEWAY_PORT).");
        }
    }

    private void prepareWorkDir() throws IOException {
        Files.createDirectories(workDir);
        lockChannel = FileChannel.open(workDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            // held by another stack in this JVM; closing this channel would release that lock too
            lockChannel = null;
        }
        if (lock == null) {
            throw new IllegalStateException("another stack (./chat up?) is running with the work directory " + workDir);
        }
        for (String leftover : ProcessRegistry.stopLeftovers(workDir.resolve("pids"))) {
            progress.accept("stopped a leftover of an earlier run: " + leftover);
        }
        deleteRecursively(workDir.resolve("postgres"));
        deleteRecursively(workDir.resolve("kafka"));
    }

    private void startInfrastructure() throws Exception {
        Path pgData = workDir.resolve("postgres");
        CompletableFuture<PostgresServer> pg = new CompletableFuture<>();
        postgres = pg;
        Thread pgStarter = new Thread(() -> {
            try {
                PostgresServer server = PostgresServer.start(pgData, logDir.resolve("postgres.log"), durablePostgres);
                server.postmaster().ifPresent(p -> registry.remember(p, "postgres"));
                progress.accept("PostgreSQL ready on port " + server.port() + " (" + seconds(startNanos) + ")");
                pg.complete(server);
            } catch (Throwable e) {
                pg.completeExceptionally(e);
            }
        }, "chat-stack-postgres");
        pgStarter.setDaemon(true);
        pgStarter.start();

        KafkaBroker broker = new KafkaBroker(workDir.resolve("kafka"), logDir.resolve("kafka.log"), javaBinary(),
                System.getProperty("java.class.path"), System.getenv(), ports.free(), ports.free(), registry);
        kafka = broker;
        broker.format();
        broker.start(KAFKA_START_TIMEOUT.compareTo(startupTimeout) > 0 ? KAFKA_START_TIMEOUT : startupTimeout);
        progress.accept("Kafka ready at " + broker.bootstrapServers() + " (" + seconds(startNanos) + ")");
        try {
            pg.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Extracts the jars (when the cache needs it) while PostgreSQL and Kafka start. */
    private void prepareLaunches(Map<String, Path> jars) throws IOException {
        Map<String, String> inherited = System.getenv();
        for (String service : SERVICES) {
            Path log = logDir.resolve(service + ".log");
            Files.deleteIfExists(log);
            CompletableFuture<LaunchCache.Launch> launch = new CompletableFuture<>();
            synchronized (launches) {
                launches.put(service, launch);
            }
            Thread preparer = new Thread(() -> {
                try {
                    launch.complete(launchCache.prepare(service, jars.get(service), javaBinary(), inherited, log, registry));
                } catch (Throwable e) {
                    launch.completeExceptionally(e);
                }
            }, "chat-stack-prepare-" + service);
            preparer.setDaemon(true);
            preparer.start();
        }
    }

    private void startServices() throws Exception {
        for (String instance : instances) {
            servicePorts.put(instance, instance.equals(GATEWAY) ? gatewayPort : ports.free());
        }
        Map<String, String> inherited = System.getenv();
        for (String instance : instances) {
            String module = moduleOf(instance);
            Map<String, String> env = ServiceEnvironment.compose(inherited, wiring(instance), extraEnv);
            if (instance.equals(GATEWAY)) {
                jwtSecret = env.get(ServiceEnvironment.JWT_SECRET);
            }
            LaunchCache.Launch launch = join(launches.get(module));
            if (launch.note() != null && instance.equals(module)) {
                progress.accept(module + ": " + launch.note());
            }
            List<String> command = new ArrayList<>();
            command.add(javaBinary());
            command.addAll(jvmOptions.apply(module));
            command.addAll(launch.arguments());
            commands.put(instance, List.copyOf(command));
            environments.put(instance, env);
            launch(instance);
        }
        awaitReadiness(instances);
    }

    private void launch(String instance) throws IOException {
        Path moduleDir = projectRoot.resolve(moduleOf(instance));
        ChildProcess process = registry.register(ChildProcess.start(instance, commands.get(instance),
                environments.get(instance), moduleDir, logDir.resolve(instance + ".log"), true));
        synchronized (services) {
            services.put(instance, process);
        }
    }

    /** What the stack decides for one service: ports, Kafka, PostgreSQL, the gateway's routes. */
    private Map<String, String> wiring(String instance) {
        String service = moduleOf(instance);
        Map<String, String> wiring = new LinkedHashMap<>();
        wiring.put("SERVER_PORT", Integer.toString(servicePorts.get(instance)));
        wiring.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        if (DATABASE_SERVICES.contains(service)) {
            PostgresServer pg = postgres.join();
            wiring.put("SPRING_R2DBC_URL", pg.r2dbcUrl());
            wiring.put("SPRING_R2DBC_USERNAME", PostgresServer.USER);
            wiring.put("SPRING_R2DBC_PASSWORD", PostgresServer.PASSWORD);
            wiring.put("SPRING_FLYWAY_URL", pg.jdbcUrl());
            wiring.put("SPRING_FLYWAY_USER", PostgresServer.USER);
            wiring.put("SPRING_FLYWAY_PASSWORD", PostgresServer.PASSWORD);
        }
        if (service.equals(WEBSOCKET)) {
            wiring.put("CHAT_WS_MESSAGE_SERVICE_URI", localUrl("message-service"));
        }
        if (service.equals("notification-service")) {
            wiring.put("CHAT_PUSH_MESSAGE_SERVICE_URI", localUrl("message-service"));
        }
        if (service.equals(GATEWAY)) {
            wiring.put("CHAT_GATEWAY_MESSAGE_SERVICE_URI", localUrl("message-service"));
            wiring.put("CHAT_GATEWAY_NOTIFICATION_SERVICE_URI", localUrl("notification-service"));
            List<String> nodes = webSocketNodes();
            if (nodes.size() == 1) {
                wiring.put("CHAT_GATEWAY_WEBSOCKET_SERVICE_URI", localUrl(WEBSOCKET));
            } else {
                // the gateway's load balancer (simple discovery: a fixed list), skipping nodes that fail health checks
                wiring.put("CHAT_GATEWAY_WEBSOCKET_SERVICE_URI", "lb://" + WEBSOCKET_LB_ID);
                for (int i = 0; i < nodes.size(); i++) {
                    wiring.put("SPRING_CLOUD_DISCOVERY_CLIENT_SIMPLE_INSTANCES_" + WEBSOCKET_LB_ID.toUpperCase(java.util.Locale.ROOT)
                            + "_" + i + "_URI", localUrl(nodes.get(i)));
                }
            }
        }
        return wiring;
    }

    private void awaitReadiness(List<String> which) throws Exception {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        Map<String, String> lastAnswer = new LinkedHashMap<>();
        List<String> pending = new ArrayList<>(which);
        while (!pending.isEmpty()) {
            for (String service : List.copyOf(pending)) {
                ChildProcess process = services.get(service);
                if (!process.isAlive()) {
                    throw new IllegalStateException(service + " exited with code " + process.exitCode()
                            + " while starting (log: " + process.log() + ")\n--- last lines ---\n"
                            + process.logTail(40));
                }
                String answer = readiness(service);
                if (answer == null) {
                    pending.remove(service);
                    progress.accept(service + " ready on " + localUrl(service) + " (" + seconds(startNanos) + ")");
                } else {
                    lastAnswer.put(service, answer);
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (registry.isClosed()) {
                throw new IllegalStateException("the stack was closed while starting");
            }
            if (System.nanoTime() > deadline) {
                String service = pending.get(0);
                ChildProcess process = services.get(service);
                throw new IllegalStateException(String.join(", ", pending) + " not ready within "
                        + startupTimeout.toSeconds() + " s (" + service + ": " + lastAnswer.get(service)
                        + "; log: " + process.log() + ")\n--- last lines ---\n" + process.logTail(40));
            }
            Thread.sleep(200);
        }
    }

    /** null when ready, else what the service answered. */
    private String readiness(String service) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(localUrl(service) + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
                return null;
            }
            return "HTTP " + response.statusCode() + " " + abbreviate(response.body());
        } catch (IOException e) {
            return "no answer yet: " + e;
        }
    }

    // ---------------------------------------------------------------- API

    /** {@code http://localhost:<gateway port>} */
    public URI gatewayUrl() {
        return URI.create("http://localhost:" + gatewayPort);
    }

    /** {@code ws://localhost:<gateway port>/ws} */
    public URI gatewayWebSocketUrl() {
        return URI.create("ws://localhost:" + gatewayPort + "/ws");
    }

    /** A service's own base URL, e.g. {@code serviceUrl("message-service")} = {@code http://localhost:41234}. */
    public URI serviceUrl(String service) {
        if (!servicePorts.containsKey(service)) {
            throw new IllegalArgumentException("unknown service " + service + "; one of " + instances);
        }
        return URI.create(localUrl(service));
    }

    /**
     * The running processes by name: each service instance, {@code kafka}, and {@code postgres} (the
     * postmaster; its backends are its descendants), for measuring their CPU and memory.
     */
    public Map<String, ProcessHandle> processes() {
        Map<String, ProcessHandle> result = new LinkedHashMap<>();
        synchronized (services) {
            services.forEach((name, process) -> {
                if (process.isAlive()) {
                    result.put(name, process.handle());
                }
            });
        }
        KafkaBroker broker = kafka;
        if (broker != null) {
            broker.handle().ifPresent(h -> result.put("kafka", h));
        }
        PostgresServer pg = postgres.getNow(null);
        if (pg != null) {
            pg.postmaster().ifPresent(h -> result.put("postgres", h));
        }
        return result;
    }

    /** Kills a service instance hard (SIGKILL: no shutdown hook, no graceful anything), for fault tests. */
    public void kill(String instance) {
        ensureOpen();
        ChildProcess process;
        synchronized (services) {
            process = services.get(instance);
        }
        if (process == null) {
            throw new IllegalArgumentException("unknown service " + instance + "; one of " + instances);
        }
        process.kill();
        registry.forget(process);
    }

    /** Starts a killed (or exited) instance again, on the same port with the same settings, and waits until it is ready. */
    public void start(String instance) {
        ensureOpen();
        if (!commands.containsKey(instance)) {
            throw new IllegalArgumentException("unknown service " + instance + "; one of " + instances);
        }
        synchronized (services) {
            ChildProcess running = services.get(instance);
            if (running != null && running.isAlive()) {
                throw new IllegalStateException(instance + " is running");
            }
        }
        try {
            launch(instance);
            awaitReadiness(List.of(instance));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + instance, e);
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The HS256 secret the services were given (the dev default unless the environment or the builder set one). */
    public String jwtSecret() {
        return jwtSecret;
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** {@code jdbc:postgresql://localhost:<port>/chat} */
    public String postgresJdbcUrl() {
        return postgres.join().jdbcUrl();
    }

    public String postgresUser() {
        return PostgresServer.USER;
    }

    public String postgresPassword() {
        return PostgresServer.PASSWORD;
    }

    /** Where each process logs ({@code <name>.log}). */
    public Path logDir() {
        return logDir;
    }

    /** Stops the Kafka broker process (a controlled shutdown), for outage tests. Its data stays. */
    public void stopKafka() {
        ensureOpen();
        kafka.stop();
    }

    /** Starts the broker again on the same ports with the same data, and returns when it answers. */
    public void startKafka() {
        ensureOpen();
        try {
            kafka.start(KAFKA_START_TIMEOUT);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Kafka", e);
        }
    }

    /** Kills the Kafka broker (SIGKILL), for fault tests; {@link #startKafka} brings it back with its data. */
    public void killKafka() {
        ensureOpen();
        kafka.kill();
    }

    /** Crashes PostgreSQL (SIGKILL to the postmaster and its backends), for fault tests. Its data stays. */
    public void crashPostgres() {
        ensureOpen();
        postgres.join().crash();
    }

    /** Starts a crashed PostgreSQL again on the same port with the same data (crash recovery), and waits for it. */
    public void restartPostgres() {
        ensureOpen();
        try {
            postgres.join().restart(logDir.resolve("postgres.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting PostgreSQL", e);
        }
    }

    /** Services (and "kafka") whose process ended while the stack is open, with their exit codes. */
    Map<String, Integer> exited() {
        Map<String, Integer> result = new LinkedHashMap<>();
        if (registry.isClosed()) {
            return result;
        }
        synchronized (services) {
            services.forEach((name, process) -> {
                if (!process.isAlive()) {
                    result.put(name, process.exitCode());
                }
            });
        }
        KafkaBroker broker = kafka;
        if (broker != null) {
            broker.exitCode().ifPresent(code -> result.put("kafka", code));
        }
        return result;
    }

    private void ensureOpen() {
        if (registry.isClosed()) {
            throw new IllegalStateException("the stack is closed");
        }
    }

    // ---------------------------------------------------------------- close

    /**
     * Stops the services (SIGTERM, SIGKILL after 15 s), then Kafka and PostgreSQL, and deletes their
     * data. Idempotent; a second caller waits until the first is done.
     */
    @Override
    public void close() {
        boolean first = false;
        synchronized (closeLock) {
            if (!closing) {
                closing = true;
                first = true;
            }
        }
        if (!first) {
            closed.join();
            return;
        }
        try {
            List<ChildProcess> leftovers = new ArrayList<>(registry.close());
            List<ChildProcess> serviceProcesses;
            synchronized (services) {
                serviceProcesses = new ArrayList<>(services.values());
            }
            ChildProcess.stopAll(serviceProcesses, SERVICE_STOP_GRACE);
            leftovers.removeAll(serviceProcesses);

            KafkaBroker broker = kafka;
            Thread kafkaStopper = new Thread(() -> {
                if (broker != null) {
                    broker.stop();
                }
            }, "chat-stack-kafka-stop");
            kafkaStopper.start();
            PostgresServer pg = postgres.handle((server, error) -> server).join();
            if (pg != null) {
                pg.close();
            }
            joinUninterruptibly(kafkaStopper);
            ChildProcess.stopAll(leftovers, Duration.ZERO); // e.g. a jar extraction still running
            releaseLaunchLocks(); // after the services and any extraction have stopped
            http.close();
            cleanUp();
        } finally {
            closed.complete(null);
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    // shutdown in progress, or the hook was never added
                }
            }
        }
    }

    private void releaseLaunchLocks() {
        List<CompletableFuture<LaunchCache.Launch>> all;
        synchronized (launches) {
            all = new ArrayList<>(launches.values());
        }
        for (CompletableFuture<LaunchCache.Launch> launch : all) {
            // a preparation still running ends soon: its extraction process was stopped with the registry
            LaunchCache.Launch prepared = launch.handle((l, e) -> l).join();
            if (prepared != null) {
                try {
                    prepared.lock().close();
                } catch (Exception e) {
                    // released when this JVM ends anyway
                }
            }
        }
    }

    private void cleanUp() {
        try {
            if (temporaryWorkDir) {
                deleteRecursively(workDir);
            } else if (lock != null) { // never the data of another stack that holds the directory
                deleteRecursively(workDir.resolve("postgres"));
                deleteRecursively(workDir.resolve("kafka"));
                Files.deleteIfExists(workDir.resolve("pids"));
            }
        } catch (IOException e) {
            // data of a stopped stack; the next start wipes it
        }
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            // released when this JVM ends anyway
        }
    }

    // ---------------------------------------------------------------- helpers

    private String localUrl(String service) {
        return "http://localhost:" + servicePorts.get(service);
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String seconds(long startNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }

    private static <T> T join(CompletableFuture<T> future) throws Exception {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
