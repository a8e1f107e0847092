package dev.chat.websocket.messageservice;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * Warns about failed calls to message-service at most once per 10 s per caller, at DEBUG in between:
 * during an outage thousands of sessions sync at once, and one line says as much as thousands.
 * The metrics count every failure.
 */
public final class FailureLog {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final AtomicLong last = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);

    public FailureLog(Logger log) {
        this.log = log;
    }

    public void failed(String format, Object... arguments) {
        long now = System.nanoTime();
        long previous = last.get();
        if (now - previous >= INTERVAL_NANOS && last.compareAndSet(previous, now)) {
            log.warn(format + " (more in the next 10 s are logged at DEBUG only)", arguments);
        } else {
            log.debug(format, arguments);
        }
    }
}
