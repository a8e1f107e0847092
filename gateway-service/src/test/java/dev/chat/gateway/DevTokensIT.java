package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.TestTokens;

/** {@code chat.auth.dev-tokens.enabled=true}, with an issuer and an audience the gateway insists on. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.auth.dev-tokens.enabled=true",
        "chat.auth.dev-tokens.ttl=2h",
        "chat.auth.jwt.issuer=" + DevTokensIT.ISSUER,
        "chat.auth.jwt.audience=" + DevTokensIT.AUDIENCE,
        // all these requests come from one IP; the per-IP limit itself is RateLimitIT's business
        "chat.gateway.rate-limits.rules.dev-tokens.capacity=1000" })
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class DevTokensIT {

    static final String ISSUER = "https://chat.example/dev";
    static final String AUDIENCE = "chat-api";

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
    ReactiveJwtDecoder decoder;

    @Test
    void issuesATokenWithTheClaimsThatTheGatewayAccepts() {
        Map<String, String> response = issue("{\"user_id\":\"alice\",\"name\":\"Alice Liddell\"}");

        assertThat(response).containsOnlyKeys("access_token", "expires_at");
        assertThat(response.get("expires_at")).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        Instant expiresAt = Instant.parse(response.get("expires_at"));
        assertThat(expiresAt).isCloseTo(Instant.now().plus(Duration.ofHours(2)), within(1, ChronoUnit.MINUTES));

        Jwt jwt = decoder.decode(response.get("access_token")).block(Duration.ofSeconds(5));
        assertThat(jwt.getHeaders()).containsEntry("alg", "HS256");
        assertThat(jwt.getSubject()).isEqualTo("alice");
        assertThat(jwt.getClaimAsString("name")).isEqualTo("Alice Liddell");
        assertThat(jwt.getIssuer()).hasToString(ISSUER);
        assertThat(jwt.getAudience()).containsExactly(AUDIENCE);
        assertThat(jwt.getExpiresAt()).isEqualTo(expiresAt);
        assertThat(jwt.getIssuedAt()).isBefore(expiresAt);

        // and the gateway lets it through to the service, as it came
        messageService.stubFor(get("/api/v1/conversations").willReturn(okJson("{\"conversations\":[],\"next_cursor\":null}")));
        client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + response.get("access_token"))
                .exchange()
                .expectStatus().isOk()
                .expectBody().json("{\"conversations\":[],\"next_cursor\":null}");
        messageService.verify(1, getRequestedFor(urlEqualTo("/api/v1/conversations"))
                .withHeader(HttpHeaders.AUTHORIZATION, equalTo("Bearer " + response.get("access_token"))));
    }

    @Test
    void theNameIsOptionalAndUserIdsMayHave128Characters() {
        String longId = "u".repeat(128);
        Jwt jwt = decoder.decode(issue("{\"user_id\":\"" + longId + "\",\"extra\":1}").get("access_token"))
                .block(Duration.ofSeconds(5));

        assertThat(jwt.getSubject()).isEqualTo(longId);
        assertThat(jwt.hasClaim("name")).isFalse();
        assertThat(messageService.getAllServeEvents()).as("answered by the gateway, never proxied").isEmpty();
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("{}", "invalid_user_id"),
                Arguments.of("{\"name\":\"Alice\"}", "invalid_user_id"),
                Arguments.of("{\"user_id\":null}", "invalid_user_id"),
                Arguments.of("{\"user_id\":\"\"}", "invalid_user_id"),
                Arguments.of("{\"user_id\":\"   \"}", "invalid_user_id"),
                Arguments.of("{\"user_id\":\"" + "u".repeat(129) + "\"}", "invalid_user_id"),
                Arguments.of("{\"user_id\":\"alice\",\"name\":\"" + "n".repeat(257) + "\"}", "invalid_name"),
                Arguments.of("{\"user_id\":", "malformed_request"),
                Arguments.of("{\"user_id\":[\"alice\"]}", "malformed_request"),
                Arguments.of("not json", "malformed_request"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("badRequests")
    void badInputIs400(String body, String code) {
        expectProblem(client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange(), HttpStatus.BAD_REQUEST, code);
        assertThat(messageService.getAllServeEvents()).isEmpty();
    }

    @Test
    void invalidFieldsAreNamed() {
        expectProblem(client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\":\" \"}")
                .exchange(), HttpStatus.BAD_REQUEST, "invalid_user_id")
                .jsonPath("$.errors[0].field").isEqualTo("user_id");
    }

    @Test
    void aMissingBodyIs400() {
        expectProblem(client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .exchange(), HttpStatus.BAD_REQUEST, "malformed_request");
    }

    @Test
    void aBodyThatIsNotJsonIs415() {
        expectProblem(client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("alice")
                .exchange(), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }

    @Test
    void tokensWithoutTheIssuerOrForAnotherAudienceAre401AndReachNoService() {
        messageService.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(anyUrl()).willReturn(okJson("{}")));

        // TestTokens carry neither iss nor aud
        expectProblem(client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TestTokens.token("alice"))
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        expectProblem(client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token("https://evil.example", AUDIENCE))
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        expectProblem(client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token(ISSUER, "another-api"))
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");

        assertThat(messageService.getAllServeEvents()).isEmpty();
        // the right issuer and audience pass (the counter-check)
        client.get().uri("/api/v1/conversations")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token(ISSUER, AUDIENCE))
                .exchange()
                .expectStatus().isOk();
    }

    private Map<String, String> issue(String body) {
        return client.post().uri("/api/v1/dev/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(new ParameterizedTypeReference<Map<String, String>>() {
                })
                .returnResult().getResponseBody();
    }

    private static String token(String issuer, String audience) {
        try {
            Instant now = Instant.now();
            JWTClaimsSet claims = new JWTClaimsSet.Builder()
                    .subject("alice")
                    .issuer(issuer)
                    .audience(audience)
                    .issueTime(Date.from(now))
                    .expirationTime(Date.from(now.plusSeconds(600)))
                    .build();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @org.springframework.boot.test.web.server.LocalServerPort
    int port;

    /** Malformed Content-Types once made 500s here. */
    @Test
    void aMalformedContentTypeIs415ProblemJson() {
        String body = "{\"user_id\":\"alice\",\"name\":\"Alice\"}";
        for (String contentType : java.util.List.of("json", "application/json; charset=nope")) {
            dev.chat.testsupport.RawHttp.Answer answer = dev.chat.testsupport.RawHttp.send(port,
                    "POST /api/v1/dev/tokens HTTP/1.1", "Content-Type: " + contentType + "\r\nContent-Length: " + body.length(), body);
            org.assertj.core.api.Assertions.assertThat(answer.status()).as(contentType).isEqualTo(415);
            org.assertj.core.api.Assertions.assertThat(answer.contentType()).isEqualTo("application/problem+json");
            org.assertj.core.api.Assertions.assertThat(answer.body()).contains("\"code\":\"unsupported_media_type\"");
        }
    }

    /** Refused before any route or handler (firewall, URI parser, HTTP decoder): problem+json from the gateway too. */
    @Test
    void edgeRefusalsAreProblemJson() {
        for (String target : java.util.List.of("/api/v1/conversations/%00", "/api/v1/conversations/a%2Fb", "/api/v1/x?a=%",
                "/api/v1/conversations?cursor=" + "a".repeat(20_000))) {
            dev.chat.testsupport.RawHttp.Answer answer = dev.chat.testsupport.RawHttp.send(port, "GET " + target + " HTTP/1.1",
                    "Authorization: Bearer " + TestTokens.token("alice"), "");
            org.assertj.core.api.Assertions.assertThat(answer.status()).as(target).isBetween(400, 499);
            org.assertj.core.api.Assertions.assertThat(answer.contentType()).as(target).isEqualTo("application/problem+json");
            org.assertj.core.api.Assertions.assertThat(answer.body()).contains("\"code\":\"");
        }
    }
}
