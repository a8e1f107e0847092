package dev.chat.notification.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.UnregisteredDeviceTokenException;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.PushCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import tools.jackson.databind.JsonNode;

/**
 * APNs for tests: Pushy's {@link MockApnsServer} (real HTTP/2 over TLS) on a free port, recording every request
 * (headers and payload, accepted or not) and answering what a test scripted for a token (a rejection once, a few
 * times, or always), otherwise 200.
 */
public final class FakeApns implements AutoCloseable {

    /** One request as the server received it. */
    public record Request(String token, Map<String, String> headers, JsonNode payload, long receivedAtMillis) {

        public String header(String name) {
            return headers.get(name);
        }
    }

    private final NioEventLoopGroup eventLoops = new NioEventLoopGroup(1);
    private final MockApnsServer server;
    private final int port;
    private final PushCredentials.Tls tls;
    private final PushCredentials.ApnsKey key;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<RejectionReason>> scripted = new ConcurrentHashMap<>();
    private final Map<String, RejectionReason> always = new ConcurrentHashMap<>();

    public FakeApns(Path dir) throws Exception {
        this.tls = PushCredentials.localhostTls(dir);
        this.key = PushCredentials.apnsKey(dir, "AuthKey_" + TestCredentials.APNS_KEY_ID + ".p8");
        this.server = new MockApnsServerBuilder()
                .setServerCredentials(new java.security.cert.X509Certificate[] { tls.certificate() }, tls.key(), null)
                .setEventLoopGroup(eventLoops)
                .setHandlerFactory(session -> this::handle)
                .build();
        this.port = server.start(0).get(30, TimeUnit.SECONDS);
    }

    private void handle(Http2Headers headers, ByteBuf payload) throws RejectedNotificationException {
        Map<String, String> names = new LinkedHashMap<>();
        headers.forEach(h -> names.put(h.getKey().toString().toLowerCase(java.util.Locale.ROOT), h.getValue().toString()));
        String path = names.getOrDefault(":path", "");
        String token = path.startsWith("/3/device/") ? path.substring("/3/device/".length()) : path;
        JsonNode json = payload == null ? null
                : ChatJson.mapper().readTree(payload.toString(StandardCharsets.UTF_8));
        requests.add(new Request(token, Map.copyOf(names), json, System.currentTimeMillis()));
        RejectionReason reason = always.get(token);
        if (reason == null) {
            Deque<RejectionReason> queue = scripted.get(token);
            reason = queue == null ? null : queue.poll();
        }
        if (reason == RejectionReason.UNREGISTERED) {
            throw new UnregisteredDeviceTokenException(java.time.Instant.now());
        }
        if (reason != null) {
            throw new RejectedNotificationException(reason);
        }
    }

    public int port() {
        return port;
    }

    public Path trustedCertificate() {
        return tls.certificatePem();
    }

    public Path keyFile() {
        return key.p8();
    }

    /** The next requests for this token are answered with these rejections, in order; then accepted. */
    public void rejectNext(String token, RejectionReason... reasons) {
        scripted.put(token, new ArrayDeque<>(List.of(reasons)));
    }

    public void rejectAlways(String token, RejectionReason reason) {
        always.put(token, reason);
    }

    public void acceptAgain(String token) {
        always.remove(token);
        scripted.remove(token);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requestsFor(String token) {
        return requests.stream().filter(r -> r.token().equals(token)).toList();
    }

    @Override
    public void close() throws Exception {
        server.shutdown().get(10, TimeUnit.SECONDS);
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
