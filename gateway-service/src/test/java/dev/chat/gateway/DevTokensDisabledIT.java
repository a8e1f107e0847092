package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;

/** {@code chat.auth.dev-tokens.enabled=false}: the endpoint does not exist; it is just another path under /api. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "chat.auth.dev-tokens.enabled=false")
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class DevTokensDisabledIT {

    @RegisterExtension
    static WireMockExtension messageService = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void backends(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", messageService::baseUrl);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    ApplicationContext context;

    @Test
    void withoutATokenItIs401AndNothingIsProxied() {
        expectProblem(client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\":\"alice\"}")
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");

        assertThat(messageService.getAllServeEvents()).isEmpty();
        assertThat(context.containsBean("devTokenRoutes")).isFalse();
    }

    @Test
    void withATokenItIsProxiedLikeAnyOtherApiPath() {
        messageService.stubFor(post("/api/v1/dev/tokens").willReturn(aResponse().withStatus(404)));

        client.post().uri("/api/v1/dev/tokens")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\":\"mallory\"}")
                .exchange()
                .expectStatus().isNotFound();

        messageService.verify(1, postRequestedFor(urlEqualTo("/api/v1/dev/tokens")));
    }
}
