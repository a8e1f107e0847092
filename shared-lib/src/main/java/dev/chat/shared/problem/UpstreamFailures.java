package dev.chat.shared.problem;

import java.net.ConnectException;
import java.net.UnknownHostException;

import reactor.netty.http.client.PrematureCloseException;

/**
 * Recognises how a call to another server (a service behind the gateway, a database) failed,
 * whatever wraps the cause.
 */
public final class UpstreamFailures {

    private UpstreamFailures() {
    }

    /**
     * The service could not be connected to: refused, connect timeout, host unknown. Reactor Netty
     * reports these as {@link ConnectException} subclasses such as Netty's
     * {@code AbstractChannel.AnnotatedConnectException} and {@code ConnectTimeoutException}.
     */
    public static boolean unreachable(Throwable ex) {
        return hasCause(ex, ConnectException.class) || hasCause(ex, UnknownHostException.class) || poolAcquireFailed(ex);
    }

    /**
     * Reactor Netty could not hand out a connection to the service (its {@code DefaultPooledConnectionProvider}
     * fails the acquire with an {@code IOException} "Error while acquiring from ..." when the pool's connection
     * went away while being acquired, as when the service was just killed): nothing was sent to it.
     */
    private static boolean poolAcquireFailed(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException && t.getMessage() != null
                    && t.getMessage().startsWith("Error while acquiring from")) {
                return true;
            }
        }
        return false;
    }

    /** What a database that is down, restarting or out of connections throws (by name: not every service has R2DBC). */
    private static final java.util.Set<String> DATABASE_UNAVAILABLE = java.util.Set.of(
            "io.r2dbc.spi.R2dbcTransientResourceException",
            "io.r2dbc.spi.R2dbcNonTransientResourceException",
            "io.r2dbc.spi.R2dbcTimeoutException",
            "org.springframework.dao.DataAccessResourceFailureException",
            "org.springframework.dao.TransientDataAccessResourceException",
            "org.springframework.dao.QueryTimeoutException");

    /**
     * The database could not serve the request: not reachable, restarting, shutting down, out of connections
     * (R2DBC's resource exceptions, Spring's resource-failure translations, PostgreSQL's SQLSTATE classes 08
     * "connection exception", 57P "operator intervention" and 53 "insufficient resources").
     */
    public static boolean databaseUnavailable(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> type = t.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
                if (DATABASE_UNAVAILABLE.contains(type.getName())) {
                    return true;
                }
            }
            String state = sqlState(t);
            if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"))) {
                return true;
            }
        }
        return false;
    }

    private static String sqlState(Throwable t) {
        if (t instanceof java.sql.SQLException sql) {
            return sql.getSQLState();
        }
        try {
            java.lang.reflect.Method method = t.getClass().getMethod("getSqlState");
            return method.invoke(t) instanceof String state ? state : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The service closed the connection before it answered: cleanly (Reactor Netty's
     * {@link PrematureCloseException}), or with a reset (a process killed mid-request: Netty's native
     * {@code Connection reset by peer}, the JDK's {@code Connection reset}, a broken pipe).
     */
    public static boolean closedBeforeAnswering(Throwable ex) {
        if (hasCause(ex, PrematureCloseException.class)) {
            return true;
        }
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException && t.getMessage() != null
                    && (t.getMessage().contains("Connection reset") || t.getMessage().contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasCause(Throwable ex, Class<? extends Throwable> type) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
