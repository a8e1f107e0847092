package dev.chat.websocket;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Stateless WebSocket node: holds its own client connections, reads every partition of
 * {@code chat.events} and writes each event's frame to the local sessions of its recipients.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WebSocketServiceApplication {

    /**
     * Reactor Netty's prefetch when it writes a stream to a connection (a session's outbound frames): it takes
     * that many frames ahead into a queue of its own, allocated per session for the session's whole life. Its
     * default, 128, costs an idle session about 530 bytes of queue; 16 costs 80. A session's frames wait in its
     * own bounded queue anyway ({@code chat.ws.outbound-buffer}, which counts the frames taken ahead as sent, so
     * with less taken ahead a client that stops reading is closed 112 frames sooner); a burst is written in passes
     * of up to 16 frames, each flushed. Set before Reactor Netty reads it (its first write);
     * {@code -Dreactor.netty.send.maxPrefetchSize=} still overrides it.
     */
    static final String SEND_PREFETCH_PROPERTY = "reactor.netty.send.maxPrefetchSize";
    static final String SEND_PREFETCH = "16";

    static {
        if (System.getProperty(SEND_PREFETCH_PROPERTY) == null) {
            System.setProperty(SEND_PREFETCH_PROPERTY, SEND_PREFETCH);
        }
    }

    public static void main(String[] args) {
        SpringApplication.run(WebSocketServiceApplication.class, args);
    }
}
