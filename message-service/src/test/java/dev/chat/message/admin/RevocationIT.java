package dev.chat.message.admin;

import static dev.chat.message.Api.expectProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.message.outbox.ChatEventsProbe;
import dev.chat.shared.event.TokenRevocation;
import dev.chat.shared.event.Topics;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.TestTokens;

/** Operators revoke a user's tokens: only with the scope chat:admin; published on chat.revocations. */
@MessageServiceIT
class RevocationIT {

    @Autowired
    WebTestClient client;

    @Test
    void anOperatorRevokesAndEveryNodeIsTold() throws Exception {
        String victim = Api.user("victim");
        try (ChatEventsProbe revocations = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(),
                Topics.CHAT_REVOCATIONS, false)) {
            client.post().uri("/api/v1/admin/revocations")
                    .headers(h -> h.setBearerAuth(operatorToken()))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("user_id", victim))
                    .exchange()
                    .expectStatus().isAccepted()
                    .expectBody().jsonPath("$.user_id").isEqualTo(victim).jsonPath("$.issued_before").exists();
            await().atMost(Duration.ofSeconds(10)).until(() -> !revocations.valuesOf(victim).isEmpty());
            TokenRevocation revocation = ChatJson.mapper().readValue(revocations.valuesOf(victim).getFirst(), TokenRevocation.class);
            assertThat(revocation.userId()).isEqualTo(victim);
            assertThat(revocation.issuedBefore()).isBeforeOrEqualTo(Instant.now());
        }
    }

    @Test
    void nobodyElseMay() {
        Api api = new Api(client);
        expectProblem(api.post(Api.user("alice"), "/api/v1/admin/revocations", Map.of("user_id", "bob")), 403, "forbidden");
        client.post().uri("/api/v1/admin/revocations").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("user_id", "bob")).exchange().expectStatus().isUnauthorized();
        client.post().uri("/api/v1/admin/revocations").headers(h -> h.setBearerAuth(operatorToken()))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("user_id", ""))
                .exchange().expectStatus().isBadRequest();
    }

    private static String operatorToken() {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject("operator")
                    .claim("scope", "chat:admin")
                    .issueTime(new Date())
                    .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                    .build());
            jwt.sign(new MACSigner(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
