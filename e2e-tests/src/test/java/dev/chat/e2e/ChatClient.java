package dev.chat.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A client app's view of the REST API: everything goes through the gateway. */
final class ChatClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI gateway;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ChatClient(URI gateway) {
        this.gateway = gateway;
    }

    record Response(int status, JsonNode body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    /** A token from the gateway's dev endpoint, as a newcomer would get one. */
    String devToken(String userId) {
        Response r = call("POST", "/api/v1/dev/tokens", null, Map.of("user_id", userId, "name", "User " + userId), Map.of());
        if (r.status() != 200) {
            throw new IllegalStateException("dev token: " + r.status() + " " + r.raw().body());
        }
        return r.body().get("access_token").asString();
    }

    Response post(String token, String path, Object body) {
        return call("POST", path, token, body, Map.of());
    }

    Response post(String token, String path, Object body, Map<String, String> headers) {
        return call("POST", path, token, body, headers);
    }

    Response get(String token, String path) {
        return call("GET", path, token, null, Map.of());
    }

    Response call(String method, String path, String token, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(gateway.resolve(path))
                    .timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            headers.forEach(request::header);
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = response.body() == null || response.body().isBlank() ? null : JSON.readTree(response.body());
            return new Response(response.statusCode(), json, response);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A token signed with {@code secret}, valid for {@code validFor} (negative: already expired). */
    static String signedToken(String userId, String secret, Duration validFor) {
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject(userId)
                    .issueTime(Date.from(now.minusSeconds(600)))
                    .expirationTime(Date.from(now.plus(validFor)))
                    .build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
