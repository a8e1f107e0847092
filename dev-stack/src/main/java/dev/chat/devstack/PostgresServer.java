package dev.chat.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL from zonky's embedded binaries, with a database {@code chat} owned by a role
 * {@code chat}. pg_ctl detaches the server from this JVM (it is not a child process), so
 * {@link #close} must run: it stops the server with {@code pg_ctl stop -m fast} and deletes the
 * data directory.
 */
final class PostgresServer implements AutoCloseable {

    static final String DATABASE = "chat";
    static final String USER = "chat";
    static final String PASSWORD = "chat";

    private final EmbeddedPostgres postgres;
    private final Path dataDir;

    private PostgresServer(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    static PostgresServer start(Path dataDir, Path log) throws IOException {
        return start(dataDir, log, false);
    }

    /**
     * @param durable fsync, synchronous_commit and full_page_writes on, as in production (benchmarks);
     *                otherwise off: throw-away local data, where durability buys nothing
     */
    static PostgresServer start(Path dataDir, Path log, boolean durable) throws IOException {
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        ProcessBuilder.Redirect toLog = ProcessBuilder.Redirect.appendTo(log.toFile());
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    .setRegisterShutdownHook(false) // ChatStack stops it after the services
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(toLog)
                    .setErrorRedirector(toLog)
                    .setServerConfig("fsync", durable ? "on" : "off")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", durable ? "on" : "off")
                    .setServerConfig("max_connections", "200")
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IOException("PostgreSQL did not start: " + e.getMessage() + "\n"
                    + "If you run as root: zonky starts the server unprivileged, so its unpack directory "
                    + Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg")
                    + " must be writable by 'nobody' (chmod 1777); see docs/local-runner.md.\n"
                    + "--- " + log + " (last lines) ---\n" + ChildProcess.tail(log, 30), e);
        }
        PostgresServer server = new PostgresServer(postgres, dataDir);
        try {
            server.createDatabase();
        } catch (SQLException | RuntimeException e) {
            server.close();
            throw new IOException("cannot create database " + DATABASE + ": " + e.getMessage(), e);
        }
        return server;
    }

    private void createDatabase() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
        }
    }

    int port() {
        return postgres.getPort();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    String r2dbcUrl() {
        return "r2dbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** The postmaster, from its pid file (it is not a child of this JVM). */
    Optional<ProcessHandle> postmaster() {
        return postmaster(dataDir);
    }

    static Optional<ProcessHandle> postmaster(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The postmaster's command line while it runs, to start it again the same way after a crash. */
    private volatile List<String> commandLine;

    /**
     * Kills the server hard (SIGKILL to the postmaster and every backend: a crash, not a shutdown), for
     * fault tests. The data stays; {@link #restart} recovers it as after a power loss.
     */
    synchronized void crash() {
        ProcessHandle postmaster = postmaster().orElseThrow(() -> new IllegalStateException("PostgreSQL is not running"));
        List<String> command = new java.util.ArrayList<>();
        command.add(postmaster.info().command().orElseThrow());
        command.addAll(List.of(postmaster.info().arguments().orElseThrow()));
        commandLine = command;
        List<ProcessHandle> everything = new java.util.ArrayList<>(postmaster.descendants().toList());
        everything.add(postmaster);
        everything.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : everything) {
            handle.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> handle).join();
        }
    }

    /** Starts the crashed server again with the same command line (pg_ctl, detached) and waits until it answers. */
    synchronized void restart(Path log) throws IOException, InterruptedException {
        List<String> crashed = commandLine;
        if (crashed == null) {
            throw new IllegalStateException("PostgreSQL was not crashed");
        }
        Path postgresBinary = Path.of(crashed.getFirst());
        Path pgCtl = postgresBinary.resolveSibling("pg_ctl");
        String options = String.join(" ", crashed.subList(1, crashed.size()).stream()
                .map(arg -> arg.contains(" ") ? "\"" + arg + "\"" : arg).toList());
        List<String> start = List.of(pgCtl.toString(), "-D", dataDir.toString(), "-o", options, "-w", "-t", "60", "start");
        // pg_ctl refuses to run as root: as zonky does, run it in a new user namespace (unshare -U), where
        // this user and the data directory's owner are both unprivileged
        List<String> command = new java.util.ArrayList<>(start);
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(0, List.of("unshare", "-U"));
        }
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("PostgreSQL did not start again; see " + log);
        }
        commandLine = null;
    }

    @Override
    public void close() {
        Optional<ProcessHandle> postmaster = postmaster();
        try {
            postgres.close(); // pg_ctl stop -m fast, then deletes the data directory
        } catch (IOException e) {
            // fall through to the kill below
        }
        postmaster.filter(ProcessHandle::isAlive).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> p).join();
        });
    }
}
