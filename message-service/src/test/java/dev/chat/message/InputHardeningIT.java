package dev.chat.message;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.RawHttp;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/**
 * Input that once made 500s or empty answers (found by random input): text the database cannot store,
 * blank ids in paths, identities with control characters, and requests refused before any handler.
 * Each is a 400/401/414 problem+json with a code, and changes nothing.
 */
@MessageServiceIT
class InputHardeningIT {

    @Autowired
    WebTestClient client;

    @LocalServerPort
    int port;

    @Test
    void textWithNulOrUnpairedSurrogatesIsRefusedWithACode() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        UUID conversation = api.direct(alice, Api.user("bob"));
        expectProblem(api.post(alice, "/api/v1/messages", Map.of("conversation_id", conversation, "content", "a\u0000b")),
                400, "invalid_text");
        api.post(alice, "/api/v1/messages", Map.of("conversation_id", conversation, "content", "x\uD83D"))
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.code").isEqualTo("invalid_text").jsonPath("$.errors[0].field").isEqualTo("content");
        expectProblem(api.post(alice, "/api/v1/conversations", Map.of("type", "group", "title", "t\u0000",
                "participant_ids", List.of("bob"))), 400, "invalid_text");
        expectProblem(api.post(alice, "/api/v1/conversations", Map.of("type", "group", "participant_ids",
                List.of("b\u0000ob"))), 400, "invalid_text");
        expectProblem(api.post(alice, "/api/v1/conversations", Map.of("type", "group", "participant_ids",
                List.of("\uDE00"))), 400, "invalid_text");
        // nothing was stored
        assertThat(api.history(alice, conversation, "").get("messages")).isEmpty();
    }

    @Test
    void blankIdsInPathsAreBadRequestsNotServerErrors() {
        String alice = Api.user("alice");
        expectProblem(client.get().uri("/api/v1/conversations/%20").headers(h -> h.setBearerAuth(TestTokens.token(alice)))
                .exchange(), 400, "malformed_request");
        expectProblem(client.get().uri("/api/v1/messages/%20%20/receipts").headers(h -> h.setBearerAuth(TestTokens.token(alice)))
                .exchange(), 400, "malformed_request");
        // found by RestFuzzIT: these were 500s (the path variable resolved to nothing)
        for (String path : List.of("/api/v1/messages/%20", "/api/v1/messages/%20%20", "/api/v1/conversations/%20",
                "/api/v1/conversations/%20/participants/bob")) {
            for (String method : List.of("GET", "DELETE", "PATCH")) {
                JsonNode problem = raw(method + " " + path + " HTTP/1.1", "Content-Type: application/json\r\nContent-Length: 2", "{}");
                assertThat(problem.get("status").asInt()).as(method + " " + path).isBetween(400, 499);
                assertThat(problem.get("code").asString()).as(method + " " + path).isNotBlank();
            }
        }
    }

    @Test
    void aTitleWithNulOrUnpairedSurrogatesIsInvalidTextNotAServerError() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        UUID group = api.group(alice, Api.user("bob"));
        for (String title : List.of("x\\uDA45y", "a\\u0000b", "\\uDC00")) {
            JsonNode problem = raw("PATCH /api/v1/conversations/" + group + " HTTP/1.1", "Content-Type: application/json"
                    + "\r\nContent-Length: " + ("{\"title\":\"" + title + "\"}").length(), "{\"title\":\"" + title + "\"}");
            assertThat(problem.get("status").asInt()).as(title).isEqualTo(400);
            assertThat(problem.get("code").asString()).as(title).isEqualTo("invalid_text");
        }
        // found by RestFuzzIT: a lone surrogate in a title reached PostgreSQL, which refused it (a 500)
        api.get(alice, "/api/v1/conversations/" + group).expectStatus().isOk()
                .expectBody().jsonPath("$.title").isEqualTo("team");
    }

    @Test
    void aTokenWhoseSubjectHasControlCharactersIsInvalid() {
        client.get().uri("/api/v1/conversations").headers(h -> h.setBearerAuth(TestTokens.token("ali\u0000ce")))
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void aMalformedContentTypeIsUnsupportedMediaType() throws Exception {
        for (String contentType : List.of("json", "application/json; charset=nope")) {
            String body = "{\"type\":\"direct\",\"participant_ids\":[\"bob\"]}";
            JsonNode problem = raw("POST /api/v1/conversations HTTP/1.1", "Content-Type: " + contentType
                    + "\r\nContent-Length: " + body.length(), body);
            assertThat(problem.get("status").asInt()).isEqualTo(415);
            assertThat(problem.get("code").asString()).isEqualTo("unsupported_media_type");
        }
    }

    /** Refused before any handler ran (the firewall, the URI parser, the HTTP decoder): still problem+json. */
    @ParameterizedTest
    @ValueSource(strings = { "/api/v1/conversations/%00", "/api/v1/conversations/a%2Fb", "/api/v1/conversations/a%5Cb",
            "/api/v1/conversations/a;b=1", "/api/v1/conversations/%0d%0a", "/api/v1/conversations/%zz",
            "/api/v1/conversations?cursor=%" })
    void edgeRefusalsAreProblemJson(String path) throws Exception {
        JsonNode problem = raw("GET " + path + " HTTP/1.1");
        assertThat(problem.get("status").asInt()).isBetween(400, 499);
        assertThat(problem.get("code").asString()).isNotBlank();
    }

    @Test
    void aVeryLongQueryIs414ProblemJson() throws Exception {
        JsonNode problem = raw("GET /api/v1/conversations?cursor=" + "a".repeat(20_000) + " HTTP/1.1");
        assertThat(problem.get("status").asInt()).isEqualTo(414);
        assertThat(problem.get("code").asString()).isEqualTo("uri_too_long");
    }

    /** Sends a raw request (no client library to clean the URI up) and returns the problem it got. */
    private JsonNode raw(String requestLine) {
        return raw(requestLine, null, "");
    }

    private JsonNode raw(String requestLine, String headers, String body) {
        String auth = "Authorization: Bearer " + TestTokens.token("alice");
        RawHttp.Answer answer = RawHttp.send(port, requestLine, headers == null ? auth : auth + "\r\n" + headers, body);
        assertThat(answer.contentType()).as(answer.head()).isEqualTo("application/problem+json");
        JsonNode problem = ChatJson.mapper().readTree(answer.body());
        assertThat(problem.get("status").asInt()).isEqualTo(answer.status());
        return problem;
    }
}
