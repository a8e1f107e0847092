package dev.chat.websocket.presence;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import dev.chat.shared.event.PresenceSignal;
import dev.chat.websocket.config.NodeIdentity;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.session.ChatSession;
import dev.chat.websocket.session.SessionListener;
import dev.chat.websocket.session.SessionRegistry;
import dev.chat.websocket.signal.SignalPublisher;

/**
 * Tells message-service, on {@code chat.presence}, what this node holds: {@code session.up} /
 * {@code session.down} for every session registered / removed (key: user id), a {@code node.heartbeat}
 * every {@code chat.ws.presence.heartbeat} and {@code node.down} on a graceful shutdown, both written to
 * every partition (key: node id) so that each message-service instance owning some of this node's users
 * hears them. A node that dies without {@code node.down} is noticed by its missing heartbeats.
 *
 * <p>Stops first: {@code node.down} is queued before the sessions are closed with 1012.
 */
@Component
class PresenceReporter implements SessionListener, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PresenceReporter.class);

    private final SignalPublisher publisher;
    private final SessionRegistry registry;
    private final String nodeId;
    private final Duration interval;
    private Disposable heartbeats;
    private volatile boolean running;

    PresenceReporter(SignalPublisher publisher, SessionRegistry registry, NodeIdentity node,
            WebSocketProperties properties) {
        this.publisher = publisher;
        this.registry = registry;
        this.nodeId = node.id();
        this.interval = properties.presence().heartbeat();
    }

    @Override
    public void sessionOpened(ChatSession session) {
        publisher.publish(PresenceSignal.sessionUp(nodeId, session.userId(), session.id()));
    }

    @Override
    public void sessionClosed(ChatSession session) {
        publisher.publish(PresenceSignal.sessionDown(nodeId, session.userId(), session.id()));
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        heartbeats = Flux.interval(Duration.ZERO, interval)
                .subscribe(tick -> publisher.publishToEveryPartition(PresenceSignal.heartbeat(nodeId, registry.size())));
        log.info("Node {} reports presence every {}", nodeId, interval);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        heartbeats.dispose();
        publisher.publishToEveryPartition(PresenceSignal.nodeDown(nodeId));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // before SessionShutdown (which closes the sessions with 1012) and long before the producer stops
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
