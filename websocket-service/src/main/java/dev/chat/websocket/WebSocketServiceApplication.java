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

    public static void main(String[] args) {
        SpringApplication.run(WebSocketServiceApplication.class, args);
    }
}
