package dev.chat.websocket.session;

import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/** The node's meters exist and move: frames in and out by type, delivery lag, closes by code. */
class MetricsIT extends WebSocketTestBase {

    @Autowired
    MeterRegistry meters;

    @Test
    void framesLagAndClosesAreCounted() {
        String alice = user("alice");
        double pingsIn = counter("chat.ws.frames.in", "type", "ping");
        double pongsOut = counter("chat.ws.frames.out", "type", "pong");
        double readyOut = counter("chat.ws.frames.out", "type", "session.ready");
        double messagesOut = counter("chat.ws.frames.out", "type", "message.created");
        long lagSamples = meters.get("chat.ws.delivery.lag").timer().count();
        double normalCloses = counter("chat.ws.closes", "code", "1000");

        WsClient device = device(alice);
        device.send("{\"type\":\"ping\"}");
        device.awaitFrame("pong");
        events.send(message(UUID.randomUUID(), 1, "bob", alice));
        device.awaitFrame("message.created");
        device.close();

        await().atMost(WsClient.TIMEOUT).until(() -> counter("chat.ws.closes", "code", "1000") >= normalCloses + 1);
        assertThat(counter("chat.ws.frames.in", "type", "ping")).isGreaterThanOrEqualTo(pingsIn + 1);
        assertThat(counter("chat.ws.frames.out", "type", "pong")).isGreaterThanOrEqualTo(pongsOut + 1);
        assertThat(counter("chat.ws.frames.out", "type", "session.ready")).isGreaterThanOrEqualTo(readyOut + 1);
        assertThat(counter("chat.ws.frames.out", "type", "message.created")).isGreaterThanOrEqualTo(messagesOut + 1);
        Timer lag = meters.get("chat.ws.delivery.lag").timer();
        assertThat(lag.count()).isGreaterThan(lagSamples);
        assertThat(lag.max(TimeUnit.SECONDS)).isLessThan(10);
        assertThat(meters.get("chat.ws.sessions").gauge()).isNotNull();
        assertThat(meters.find("chat.ws.signals").counters()).isNotEmpty();
        assertThat(meters.find("chat.ws.syncs").counters()).isNotEmpty();
    }

    private double counter(String name, String tag, String value) {
        Counter counter = meters.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }
}
