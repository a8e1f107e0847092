package dev.chat.websocket.session;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Schedulers;

import dev.chat.websocket.config.WebSocketProperties;

/**
 * Timers for the whole node instead of timers per session: every {@code chat.ws.heartbeat} it walks the
 * sessions, PINGs each and closes (1001) those silent for two heartbeats, so a session is closed between two
 * and three heartbeats after it last sent anything; every second it closes (4401) the sessions whose token
 * has expired, so a session ends within a second of its token's {@code exp} (a whole second, as JWTs count
 * time). A timer per session would cost each idle session a scheduled task and its subscribers.
 */
@Component
class HeartbeatSweep implements SmartLifecycle {

    static final Duration EXPIRY_CHECK = Duration.ofSeconds(1);

    private final SessionRegistry sessions;
    private final Duration heartbeat;
    private volatile Disposable timers;

    HeartbeatSweep(SessionRegistry sessions, WebSocketProperties properties) {
        this.sessions = sessions;
        this.heartbeat = properties.heartbeat();
    }

    @Override
    public synchronized void start() {
        if (timers == null) {
            timers = Disposables.composite(
                    Schedulers.parallel().schedulePeriodically(this::sweep, heartbeat.toMillis(), heartbeat.toMillis(),
                            TimeUnit.MILLISECONDS),
                    Schedulers.parallel().schedulePeriodically(this::expire, EXPIRY_CHECK.toMillis(),
                            EXPIRY_CHECK.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    void sweep() {
        sessions.forEachSession(session -> session.heartbeat(heartbeat));
    }

    void expire() {
        Instant now = Instant.now();
        sessions.forEachSession(session -> session.expireIfDue(now));
    }

    @Override
    public synchronized void stop() {
        if (timers != null) {
            timers.dispose();
            timers = null;
        }
    }

    @Override
    public boolean isRunning() {
        return timers != null;
    }
}
