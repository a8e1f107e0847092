package dev.chat.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.github.tomakehurst.wiremock.WireMockServer;

import dev.chat.testsupport.PushCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import tools.jackson.databind.JsonNode;

/**
 * The push providers of the end-to-end stack, in this JVM on free ports: WireMock as FCM (HTTP v1 send and
 * the OAuth token endpoint of a service-account file made here) and Pushy's MockApnsServer as APNs (TLS with a
 * certificate made here by keytool, token auth with a .p8 key made here). {@link #environment()} is what the
 * stack passes to notification-service. Both accept every push and record it.
 */
final class PushFakes implements AutoCloseable {

    static final String PROJECT_ID = "chat-e2e";
    static final String APNS_TOPIC = "dev.chat.e2e";

    /** A push as a fake provider received it. */
    record Push(String provider, String token, JsonNode body, Map<String, String> headers, long receivedNanos) {

        /** The alert body (FCM notification.body, APNs aps.alert.body), or null for a data-only/silent push. */
        String alertBody() {
            JsonNode node = provider.equals("fcm") ? body.at("/notification/body") : body.at("/aps/alert/body");
            return node.isMissingNode() ? null : node.asString();
        }

        /** The {@code type} data key: message.created, conversation.read, message.deleted. */
        String type() {
            return provider.equals("fcm") ? body.at("/data/type").asString() : body.get("type").asString();
        }

        String messageId() {
            return provider.equals("fcm") ? body.at("/data/message_id").asString(null)
                    : body.path("message_id").asString(null);
        }
    }

    private final Path dir;
    private final WireMockServer fcm;
    private final NioEventLoopGroup eventLoops = new NioEventLoopGroup(1);
    private final MockApnsServer apns;
    private final int apnsPort;
    private final Path apnsCertificate;
    private final Path apnsKey;
    private final Path fcmCredentials;
    private final List<Push> apnsPushes = new CopyOnWriteArrayList<>();

    PushFakes(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        fcm = new WireMockServer(options().dynamicPort().asynchronousResponseEnabled(true));
        fcm.start();
        fcm.stubFor(post(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"e2e-access-token\",\"expires_in\":3600,\"token_type\":\"Bearer\"}")));
        fcm.stubFor(post(urlPathMatching("/v1/projects/.*/messages:send")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"name\":\"projects/" + PROJECT_ID + "/messages/0:1\"}")));
        fcmCredentials = PushCredentials.serviceAccount(dir, PROJECT_ID, "http://localhost:" + fcm.port() + "/token");

        PushCredentials.Tls tls = PushCredentials.localhostTls(dir);
        apnsCertificate = tls.certificatePem();
        apnsKey = PushCredentials.apnsKey(dir, "apns-key.p8").p8();
        apns = new MockApnsServerBuilder()
                .setServerCredentials(new X509Certificate[] { tls.certificate() }, tls.key(), null)
                .setEventLoopGroup(eventLoops)
                .setHandlerFactory(session -> this::recordApns)
                .build();
        apnsPort = apns.start(0).get(30, TimeUnit.SECONDS);
    }

    /** The CHAT_PUSH_* settings that send notification-service to these fakes. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CHAT_PUSH_FCM_CREDENTIALS_FILE", fcmCredentials.toString());
        env.put("CHAT_PUSH_FCM_ENDPOINT", "http://localhost:" + fcm.port());
        env.put("CHAT_PUSH_APNS_KEY_FILE", apnsKey.toString());
        env.put("CHAT_PUSH_APNS_KEY_ID", "E2EKEY1234");
        env.put("CHAT_PUSH_APNS_TEAM_ID", "E2ETEAM123");
        env.put("CHAT_PUSH_APNS_TOPIC", APNS_TOPIC);
        env.put("CHAT_PUSH_APNS_HOST", "localhost");
        env.put("CHAT_PUSH_APNS_PORT", Integer.toString(apnsPort));
        env.put("CHAT_PUSH_APNS_TRUSTED_CERT_FILE", apnsCertificate.toString());
        return env;
    }

    /** Every push to this token so far, FCM and APNs, in arrival order. */
    List<Push> pushesTo(String token) {
        List<Push> all = new java.util.ArrayList<>();
        fcm.findAll(postRequestedFor(urlPathMatching("/v1/projects/.*/messages:send"))).forEach(request -> {
            JsonNode message = ChatClient.JSON.readTree(request.getBodyAsString()).get("message");
            if (token.equals(message.path("token").asString(null))) {
                all.add(new Push("fcm", token, message, Map.of(), request.getLoggedDate().getTime() * 1_000_000));
            }
        });
        apnsPushes.stream().filter(p -> p.token().equals(token)).forEach(all::add);
        return all;
    }

    /** Alerts (message.created pushes) to this token. */
    List<Push> alertsTo(String token) {
        return pushesTo(token).stream().filter(p -> "message.created".equals(p.type())).toList();
    }

    private void recordApns(Http2Headers headers, ByteBuf payload) {
        Map<String, String> names = new LinkedHashMap<>();
        headers.forEach(h -> names.put(h.getKey().toString().toLowerCase(Locale.ROOT), h.getValue().toString()));
        String path = names.getOrDefault(":path", "");
        String token = path.substring(path.lastIndexOf('/') + 1);
        apnsPushes.add(new Push("apns", token, ChatClient.JSON.readTree(payload.toString(StandardCharsets.UTF_8)),
                Map.copyOf(names), System.nanoTime()));
    }

    @Override
    public void close() throws Exception {
        fcm.stop();
        apns.shutdown().get(10, TimeUnit.SECONDS);
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
