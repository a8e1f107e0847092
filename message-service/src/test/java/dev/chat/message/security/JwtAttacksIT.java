package dev.chat.message.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.AttackTokens;
import dev.chat.testsupport.RawHttp;
import tools.jackson.databind.JsonNode;

/**
 * message-service configured with an HMAC secret (HS256, local/dev), attacked with tokens: an RS256 token
 * (whatever its key) is refused, {@code nbf} in the future is refused unless within the clock skew (30 s),
 * garbage is refused, and an oversized token is a clear 4xx. Each refusal is 401 problem+json
 * {@code unauthorized} with {@code WWW-Authenticate}, never a 5xx; an oversized header is 431.
 */
@MessageServiceIT
class JwtAttacksIT {

    private static final String PATH = "/api/v1/conversations";

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    static Stream<Arguments> garbage() {
        return AttackTokens.garbage(11).stream().map(g -> Arguments.of(g[0], g[1]));
    }

    @Test
    void anRs256TokenIsRefusedByAnHmacConfiguredService() {
        String user = Api.user("mallory");
        expectUnauthorized(AttackTokens.rs256(AttackTokens.rsaKey("attacker"), user, claims -> { }));
    }

    @Test
    void aTokenNotYetValidIsRefusedButOneWithinTheClockSkewIsAccepted() {
        String user = Api.user("early");
        expectUnauthorized(AttackTokens.hs256(user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(300)))));
        expectUnauthorized(AttackTokens.hs256(user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(45)))));

        String withinSkew = AttackTokens.hs256(user, claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(10))));
        client.get().uri(PATH).headers(h -> h.setBearerAuth(withinSkew)).exchange().expectStatus().isOk();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void garbageIsUnauthorized(String kind, String token) {
        // the raw socket: the token goes out byte for byte, unicode and all
        RawHttp.Answer answer = RawHttp.send(port, "GET " + PATH + " HTTP/1.1", "Authorization: Bearer " + token, "");
        assertThat(answer.status()).as(answer.head()).isEqualTo(401);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        JsonNode problem = ChatJson.mapper().readTree(answer.body());
        assertThat(problem.path("code").asString()).isEqualTo("unauthorized");
        assertThat(answer.head()).contains("www-authenticate: bearer error=\"invalid_token\"");
    }

    @Test
    void aSchemeOtherThanBearerOrAnEmptyTokenIsUnauthorized() {
        for (String value : new String[] {"Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer ", "bearer  x", "Token abc"}) {
            RawHttp.Answer answer = RawHttp.send(port, "GET " + PATH + " HTTP/1.1", "Authorization: " + value, "");
            assertThat(answer.status()).as(value).isEqualTo(401);
            assertThat(answer.contentType()).as(value).isEqualTo("application/problem+json");
            assertThat(ChatJson.mapper().readTree(answer.body()).path("code").asString()).isEqualTo("unauthorized");
        }
    }

    /** Below the header limit: a signed token with a huge claim is verified like any other (a wrong one refused). */
    @Test
    void aLargeTokenBelowTheHeaderLimitIsVerifiedLikeAnyOther() {
        String large = AttackTokens.oversized(Api.user("big"), 4_000);
        client.get().uri(PATH).headers(h -> h.setBearerAuth(large)).exchange().expectStatus().isOk();
        expectUnauthorized(large.substring(0, large.length() - 3) + (large.endsWith("AAA") ? "BBB" : "AAA"));
    }

    /** Above it: 431 problem+json at the edge, at once, never a 5xx or a hang (RawHttp gives up after 10 s). */
    @ParameterizedTest
    @ValueSource(ints = { 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024 })
    void anOversizedTokenIsAClear4xx(int size) {
        String token = AttackTokens.oversized(Api.user("huge"), size);
        RawHttp.Answer answer = RawHttp.send(port, "GET " + PATH + " HTTP/1.1", "Authorization: Bearer " + token, "");
        assertThat(answer.status()).as(answer.head()).isIn(401, 431);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        JsonNode problem = ChatJson.mapper().readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(answer.status());
        assertThat(problem.path("code").asString()).isIn("unauthorized", "headers_too_large");
    }

    private void expectUnauthorized(String token) {
        client.get().uri(PATH).headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
                .expectBody().jsonPath("$.code").isEqualTo("unauthorized").jsonPath("$.status").isEqualTo(401);
    }
}
