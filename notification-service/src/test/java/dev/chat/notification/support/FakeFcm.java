package dev.chat.notification.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.PushCredentials;
import tools.jackson.databind.JsonNode;

/**
 * FCM for tests: WireMock on a free port with the HTTP v1 send endpoint and the OAuth token endpoint the
 * service-account file points at. Sends are accepted unless a test scripted an error for a token.
 */
public final class FakeFcm implements AutoCloseable {

    public static final String ACCESS_TOKEN = "fake-fcm-access-token";
    public static final String SEND_PATH = "/v1/projects/" + TestCredentials.PROJECT_ID + "/messages:send";

    /** One send request: its token and the whole {@code message} object. */
    public record Request(String token, JsonNode message, String authorization, long receivedAtMillis) {
    }

    private final WireMockServer server;
    private final Path credentials;
    private final Map<String, List<StubMapping>> scripted = new ConcurrentHashMap<>();

    public FakeFcm(Path dir) {
        server = new WireMockServer(options().dynamicPort().containerThreads(32).asynchronousResponseEnabled(true));
        server.start();
        credentials = PushCredentials.serviceAccount(dir, TestCredentials.PROJECT_ID, baseUrl() + "/token");
        reset();
    }

    public String baseUrl() {
        return "http://localhost:" + server.port();
    }

    public Path credentialsFile() {
        return credentials;
    }

    /** Forgets recorded requests and scripted errors; sends are accepted again. */
    public void reset() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}")));
        server.stubFor(post(urlPathMatching("/v1/projects/.*/messages:send")).atPriority(10)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"name\":\"projects/" + TestCredentials.PROJECT_ID + "/messages/0:1\"}")));
    }

    /** Every send for this token fails like this. */
    public void failAlways(String token, int status, String errorCode) {
        failAlways(token, status, errorCode, "fake " + errorCode);
    }

    /** Every send for this token fails like this, with this error message. */
    public void failAlways(String token, int status, String errorCode, String message) {
        remember(token, server.stubFor(post(urlPathEqualTo(SEND_PATH)).atPriority(1)
                .withRequestBody(containing("\"" + token + "\""))
                .willReturn(error(status, errorCode, message))));
    }

    /** Sends for this token are accepted again. */
    public void acceptAgain(String token) {
        List<StubMapping> stubs = scripted.remove(token);
        if (stubs != null) {
            stubs.forEach(server::removeStub);
        }
    }

    private void remember(String token, StubMapping stub) {
        scripted.computeIfAbsent(token, t -> new CopyOnWriteArrayList<>()).add(stub);
    }

    /** The next {@code times} sends for this token fail like this (with Retry-After if given); then they succeed. */
    public void failTimes(String token, int times, int status, String errorCode, String retryAfter) {
        String scenario = "fail-" + token;
        for (int i = 0; i < times; i++) {
            ResponseDefinitionBuilder response = error(status, errorCode, "fake " + errorCode);
            if (retryAfter != null) {
                response.withHeader("Retry-After", retryAfter);
            }
            remember(token, server.stubFor(post(urlPathEqualTo(SEND_PATH)).atPriority(1).inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "failed-" + i)
                    .withRequestBody(containing("\"" + token + "\""))
                    .willReturn(response)
                    .willSetStateTo("failed-" + (i + 1))));
        }
    }

    private static ResponseDefinitionBuilder error(int status, String errorCode, String message) {
        String grpc = switch (errorCode) {
            case "UNREGISTERED" -> "NOT_FOUND";
            case "UNAVAILABLE" -> "UNAVAILABLE";
            case "INTERNAL" -> "INTERNAL";
            case "QUOTA_EXCEEDED" -> "RESOURCE_EXHAUSTED";
            default -> "INVALID_ARGUMENT";
        };
        String body = """
                {"error": {"code": %d, "message": "%s", "status": "%s",
                  "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "%s"}]}}"""
                .formatted(status, message, grpc, errorCode);
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    public List<Request> requests() {
        return server.findAll(postRequestedFor(urlPathMatching("/v1/projects/.*/messages:send"))).stream()
                .map(FakeFcm::request).toList();
    }

    public List<Request> requestsFor(String token) {
        return requests().stream().filter(r -> token.equals(r.token())).toList();
    }

    public int tokenRequests() {
        return server.findAll(postRequestedFor(urlPathEqualTo("/token"))).size();
    }

    private static Request request(LoggedRequest logged) {
        JsonNode message = ChatJson.mapper().readTree(logged.getBodyAsString()).get("message");
        return new Request(message.path("token").asString(null), message, logged.getHeader("Authorization"),
                logged.getLoggedDate().getTime());
    }

    @Override
    public void close() {
        server.stop();
    }
}
