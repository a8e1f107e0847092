package dev.chat.websocket.support;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * message-service as the node sees it: an HTTP server (WireMock) on a free port, one per JVM (the
 * Spring context that points at it is cached across test classes), stopped when the JVM exits.
 * Tests stub the two calls the node makes and verify what it asked; stubs are reset after each test.
 */
public final class MessageServiceFake {

    private static WireMockServer server;

    private MessageServiceFake() {
    }

    public static synchronized WireMockServer server() {
        if (server == null) {
            WireMockServer started = new WireMockServer(wireMockConfig().dynamicPort().containerThreads(20));
            started.start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "stop-message-service-fake"));
            server = started;
        }
        return server;
    }

    /** Points the node at the fake: {@code chat.ws.message-service-uri}. */
    @TestConfiguration(proxyBeanMethods = false)
    public static class Configuration {

        @Bean
        DynamicPropertyRegistrar messageServiceFakeProperties() {
            WireMockServer fake = server();
            return registry -> registry.add("chat.ws.message-service-uri", fake::baseUrl);
        }
    }
}
