package dev.chat.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.chat.gateway.Problems.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.nimbusds.jose.jwk.RSAKey;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.AttackTokens;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.RawHttp;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/**
 * The gateway configured as in production (a JWK set of an RSA key generated here, served on a free port, with
 * issuer and audience), in front of WireMock services: the identity provider's token is forwarded; key confusion
 * (HS256 signed with the public key), HS256 with the dev secret, another key, wrong {@code iss}/{@code aud},
 * {@code nbf} in the future, garbage and oversized tokens are a 401 (431 above the header limit) problem+json,
 * on REST and on the WebSocket upgrade, and no service sees the request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@Import(AuthTestConfiguration.class)
class GatewayJwtAttacksIT {

    private static final RSAKey KEY = AttackTokens.rsaKey("idp-key-gw");
    private static final AttackTokens.JwkSetServer IDP = new AttackTokens.JwkSetServer(KEY);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(IDP::close, "stop-jwk-set-server"));
    }

    @RegisterExtension
    static WireMockExtension backend = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("chat.gateway.message-service-uri", backend::baseUrl);
        registry.add("chat.gateway.notification-service-uri", backend::baseUrl);
        registry.add("chat.gateway.websocket-service-uri", backend::baseUrl);
        registry.add("chat.auth.jwt.jwk-set-uri", IDP::uri);
        registry.add("chat.auth.jwt.issuer", () -> AttackTokens.ISSUER);
        registry.add("chat.auth.jwt.audience", () -> AttackTokens.AUDIENCE);
    }

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    @BeforeEach
    void stub() {
        backend.stubFor(any(anyUrl()).willReturn(okJson("{}")));
    }

    static Stream<Arguments> refused() {
        String user = "mallory";
        Stream<Arguments> crafted = Stream.of(
                Arguments.of("HS256 signed with the public key (PEM)", AttackTokens.hs256WithPublicKey(KEY, user)),
                Arguments.of("HS256 signed with the public key (DER)", AttackTokens.hs256WithPublicKeyDer(KEY, user)),
                Arguments.of("HS256 with the dev secret", TestTokens.token(user)),
                Arguments.of("alg none", TestTokens.unsigned(user)),
                Arguments.of("another key, same kid", AttackTokens.rs256(AttackTokens.rsaKey("idp-key-gw"), user, c -> { })),
                Arguments.of("wrong issuer", AttackTokens.rs256(KEY, user, c -> c.issuer("https://evil.test"))),
                Arguments.of("wrong audience", AttackTokens.rs256(KEY, user, c -> c.audience("another-api"))),
                Arguments.of("no audience", AttackTokens.rs256(KEY, user, c -> c.audience((String) null))),
                Arguments.of("not yet valid", AttackTokens.rs256(KEY, user,
                        c -> c.notBeforeTime(Date.from(Instant.now().plusSeconds(300))))),
                Arguments.of("expired", AttackTokens.rs256(KEY, user,
                        c -> c.expirationTime(Date.from(Instant.now().minusSeconds(300))))));
        Stream<Arguments> garbage = AttackTokens.garbage(31).stream()
                .filter(g -> g[1].chars().allMatch(ch -> ch < 128)) // header values: ASCII
                .map(g -> Arguments.of(g[0], g[1]));
        return Stream.concat(crafted, garbage);
    }

    @Test
    void theIdentityProvidersTokenIsForwardedAndOneWithinTheClockSkewToo() {
        String token = AttackTokens.rs256(KEY, "alice", c -> c.notBeforeTime(Date.from(Instant.now().plusSeconds(10))));
        client.get().uri("/api/v1/conversations").header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange().expectStatus().isOk();
        assertThat(backend.getAllServeEvents()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void aBadTokenIs401OnRestAndOnTheUpgradeAndReachesNoService(String why, String token) {
        expectProblem(client.get().uri("/api/v1/conversations").header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchange(), HttpStatus.UNAUTHORIZED, "unauthorized");
        RawHttp.Answer upgrade = RawHttp.send(port, "GET /ws HTTP/1.1", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer " + token, "");
        assertThat(upgrade.status()).isEqualTo(401);
        assertThat(upgrade.contentType()).isEqualTo("application/problem+json");
        assertThat(ChatJson.mapper().readTree(upgrade.body()).path("code").asString()).isEqualTo("unauthorized");
        assertThat(backend.getAllServeEvents()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = { 16 * 1024, 64 * 1024, 512 * 1024 })
    void anOversizedTokenIsAClear4xxAndReachesNoService(int size) {
        String token = AttackTokens.rs256(KEY, "huge", c -> c.claim("padding", "x".repeat(size)));
        RawHttp.Answer answer = RawHttp.send(port, "GET /api/v1/conversations HTTP/1.1", "Authorization: Bearer " + token, "");
        assertThat(answer.status()).as(answer.head()).isIn(401, 431);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        JsonNode problem = ChatJson.mapper().readTree(answer.body());
        assertThat(problem.path("code").asString().toLowerCase(Locale.ROOT)).isIn("unauthorized", "headers_too_large");
        assertThat(backend.getAllServeEvents()).isEmpty();
    }
}
