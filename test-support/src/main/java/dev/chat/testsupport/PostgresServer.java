package dev.chat.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** A running PostgreSQL server, shared by all tests of a JVM; each Spring context gets its own database. */
public abstract class PostgresServer {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    public abstract String host();

    public abstract int port();

    public abstract String username();

    public abstract String password();

    /** The database every server has, used to create the per-context ones. */
    protected String adminDatabase() {
        return "postgres";
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    public String r2dbcUrl(String database) {
        return "r2dbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Creates a new, empty database, so that test classes never see each other's rows. */
    public String createDatabase() {
        String name = "chat_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(jdbcUrl(adminDatabase()), username(), password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
        return name;
    }

    abstract void stop();
}
