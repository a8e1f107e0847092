package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * The per-session frame-rate limit ({@code chat.ws.frame-rate}, default 20/s, burst 100): a client flooding
 * the node with 500 frames is closed with 1008 {@code rate limit exceeded} after the frames already queued
 * for it, and counted; another user's session on the same node keeps receiving events and stays open.
 */
class FrameRateLimitIT extends WebSocketTestBase {

    private static final int FLOOD = 500;

    @Autowired
    MeterRegistry meters;

    @Autowired
    WebSocketProperties properties;

    @Test
    void aFloodingClientIsClosedWith1008AfterItsQueuedFramesWhileOthersAreServed() {
        String mallory = user("mallory");
        String bob = user("bob");
        WsClient flooder = device(mallory);
        WsClient bystander = device(bob);
        double limitedBefore = counter();
        UUID conversation = UUID.randomUUID();

        // answered while within the burst: these pongs are queued before the limit is hit, and arrive
        for (int i = 0; i < 5; i++) {
            flooder.send("{\"type\":\"ping\",\"ref\":\"p-" + i + "\"}");
        }
        int sent = 5;
        String typing = "{\"type\":\"typing\",\"conversation_id\":\"" + conversation + "\",\"typing\":true}";
        while (sent < FLOOD && trySend(flooder, typing)) {
            sent++;
        }

        assertThat(flooder.awaitClose()).isEqualTo(1008);
        assertThat(flooder.frames("pong")).extracting(f -> f.path("ref").asString())
                .containsExactly("p-0", "p-1", "p-2", "p-3", "p-4");
        assertThat(flooder.frames("error")).as("the limit answers no error frame, it closes").isEmpty();
        assertThat(sent).as("the node closed the flood before it ended, or the flood ran through")
                .isGreaterThan(properties.frameRate().burst());
        await().atMost(WsClient.TIMEOUT).until(() -> counter() >= limitedBefore + 1);

        // the other session is untouched: it gets events and answers pings
        events.send(message(conversation, 1, mallory, mallory, bob));
        assertThat(bystander.awaitFrame("message.created").path("message").path("seq").asLong()).isEqualTo(1);
        bystander.send("{\"type\":\"ping\",\"ref\":\"still-here\"}");
        bystander.awaitFrame(f -> "pong".equals(f.path("type").asString()) && "still-here".equals(f.path("ref").asString()));
        assertThat(bystander.isClosed()).isFalse();
    }

    @Test
    void aClientWithinTheBurstIsNotLimited() {
        WsClient device = device(user("busy"));
        int frames = properties.frameRate().burst() - 1;
        for (int i = 0; i < frames - 1; i++) {
            device.send("{\"type\":\"typing\",\"conversation_id\":\"" + UUID.randomUUID() + "\",\"typing\":false}");
        }
        device.send("{\"type\":\"ping\",\"ref\":\"last\"}");

        device.awaitFrame(f -> "pong".equals(f.path("type").asString()) && "last".equals(f.path("ref").asString()));
        assertThat(device.isClosed()).isFalse();
    }

    private double counter() {
        Counter counter = meters.find("chat.ws.frames.rate-limited").counter();
        return counter == null ? 0 : counter.count();
    }

    private static boolean trySend(WsClient client, String frame) {
        try {
            client.send(frame);
            return true;
        } catch (UncheckedIOException | IllegalStateException | CompletionException e) {
            return false;
        }
    }
}
