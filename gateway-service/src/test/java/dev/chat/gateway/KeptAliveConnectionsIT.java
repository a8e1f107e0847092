package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.RawHttp;
import dev.chat.testsupport.RawHttp.KeptAlive;
import dev.chat.testsupport.TestTokens;

/**
 * Every request on a kept-alive client connection to the gateway gets its answer (Reactor Netty 1.3.6 could
 * stop reading the connection after a queued request that completed at once, reactor-netty #4361): a routed
 * request with one refused at the edge pipelined behind it, then requests in turn, routed and refused.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(AuthTestConfiguration.class)
class KeptAliveConnectionsIT {

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    static WireMockExtension messageService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", messageService::baseUrl);
    }

    @LocalServerPort
    int port;

    @BeforeEach
    void backend() {
        messageService.stubFor(get(urlPathEqualTo("/api/v1/conversations"))
                .willReturn(okJson("{\"conversations\":[],\"next_cursor\":null}").withFixedDelay(20)));
    }

    private static String routed(String user) {
        return KeptAlive.request("GET /api/v1/conversations HTTP/1.1", "Authorization: Bearer " + TestTokens.token(user), "");
    }

    private static String withoutToken() {
        return KeptAlive.request("GET /api/v1/conversations HTTP/1.1", null, "");
    }

    @RepeatedTest(3)
    void aRequestAfterAQueuedOneThatCompletedAtOnceIsAnswered() {
        try (KeptAlive connection = RawHttp.keptAlive(port, ANSWER_TIMEOUT)) {
            connection.write(routed("alice"), withoutToken());
            assertThat(connection.read().status()).isEqualTo(200);
            assertThat(connection.read().status()).isEqualTo(401);

            RawHttp.Answer next = connection.write(routed("alice")).read();

            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).contains("\"conversations\"");
        }
    }

    @Test
    void manyRequestsInTurnOnOneConnectionAreEachAnswered() {
        try (KeptAlive connection = RawHttp.keptAlive(port, ANSWER_TIMEOUT)) {
            for (int i = 0; i < 200; i++) {
                boolean authenticated = i % 3 != 0;
                RawHttp.Answer answer = connection.write(authenticated ? routed("alice") : withoutToken()).read();
                assertThat(answer.status()).as("request %d", i).isEqualTo(authenticated ? 200 : 401);
            }
        }
    }
}
