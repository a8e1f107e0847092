package dev.chat.websocket.session;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;

import dev.chat.websocket.config.WebSocketProperties;

/**
 * On shutdown, before the web server's graceful shutdown (this stops in an earlier phase), every
 * session is closed with 1012 so that clients reconnect at once, to another node.
 */
@Component
class SessionShutdown implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SessionShutdown.class);

    private final SessionRegistry registry;
    private final Duration closeTimeout;
    private volatile boolean running;

    SessionShutdown(SessionRegistry registry, WebSocketProperties properties) {
        this.registry = registry;
        this.closeTimeout = properties.closeTimeout();
    }

    @Override
    public void start() {
        registry.open();
        running = true;
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("stop(Runnable) is used");
    }

    @Override
    public void stop(Runnable callback) {
        running = false;
        int open = registry.size();
        closeAll();
        if (open > 0) {
            log.info("Closing {} WebSocket sessions with 1012", open);
        }
        Flux.interval(Duration.ofMillis(20))
                .filter(tick -> registry.size() == 0)
                .next()
                // the handler drops a connection whose close takes longer than closeTimeout
                .timeout(closeTimeout.plusSeconds(1))
                .doOnError(TimeoutException.class,
                        e -> log.warn("{} WebSocket sessions still open at shutdown", registry.size()))
                .doFinally(signal -> callback.run())
                .subscribe(tick -> { }, e -> { });
    }

    /** Asks every session to close with 1012 and refuses new ones. */
    void closeAll() {
        registry.closeAll(CloseCodes.RESTARTING);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // stops right after the presence reporter has queued node.down, before the Kafka consumer and
        // before the web server's graceful shutdown
        return SmartLifecycle.DEFAULT_PHASE - 10;
    }
}
