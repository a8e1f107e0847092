package dev.chat.websocket.session;

import java.time.Duration;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import dev.chat.websocket.config.WebSocketProperties;

/**
 * One timer for the whole node instead of one per session: every {@code chat.ws.heartbeat} it walks the
 * sessions, PINGs each and closes (1001) those silent for two heartbeats. A session is therefore closed
 * between two and three heartbeats after it last sent anything.
 */
@Component
class HeartbeatSweep implements SmartLifecycle {

    private final SessionRegistry sessions;
    private final Duration heartbeat;
    private volatile Disposable timer;

    HeartbeatSweep(SessionRegistry sessions, WebSocketProperties properties) {
        this.sessions = sessions;
        this.heartbeat = properties.heartbeat();
    }

    @Override
    public synchronized void start() {
        if (timer == null) {
            timer = Schedulers.parallel().schedulePeriodically(this::sweep, heartbeat.toMillis(), heartbeat.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    void sweep() {
        sessions.forEachSession(session -> session.heartbeat(heartbeat));
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.dispose();
            timer = null;
        }
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }
}
