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
        return hasCause(ex, ConnectException.class) || hasCause(ex, UnknownHostException.class);
    }

    /** The service closed the connection before it answered. */
    public static boolean closedBeforeAnswering(Throwable ex) {
        return hasCause(ex, PrematureCloseException.class);
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
