package dev.chat.websocket.config;

import java.security.SecureRandom;
import java.util.HexFormat;

import org.springframework.stereotype.Component;

/**
 * This node's id: new at every process start ({@code ws-} and 12 random hex digits). It names the node
 * in {@code session.ready}, in every signal and in the presence heartbeats, so that message-service
 * can tell a restarted node from the one that died.
 */
@Component
public class NodeIdentity {

    private final String id;

    public NodeIdentity() {
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        this.id = "ws-" + HexFormat.of().formatHex(random);
    }

    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }
}
