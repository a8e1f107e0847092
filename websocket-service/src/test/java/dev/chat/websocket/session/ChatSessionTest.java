package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class ChatSessionTest {

    private static OutboundFrame.Text frame(int i) {
        return OutboundFrame.text("test", ("{\"n\":" + i + "}").getBytes());
    }

    private static ChatSession session(int buffer) {
        return new ChatSession("s1", "alice", "token", Instant.now(), Instant.now().plusSeconds(3600), buffer);
    }

    @Test
    void theFrameBucketAdmitsABurstThenOneFramePerIntervalAndRefillsWithTime() {
        ChatSession session = session(8);
        long interval = 50_000_000L; // 20 per second
        long burst = 5 * interval;
        long now = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertThat(session.admitFrame(now, interval, burst)).as("frame %d of the burst", i).isTrue();
        }
        assertThat(session.admitFrame(now, interval, burst)).as("beyond the burst").isFalse();
        assertThat(session.admitFrame(now + interval - 1, interval, burst)).as("not yet refilled").isFalse();
        assertThat(session.admitFrame(now + interval, interval, burst)).as("one interval later").isTrue();
        assertThat(session.admitFrame(now + interval, interval, burst)).isFalse();
        // idle for long: the bucket is full again, never more than full
        long later = now + 100 * interval;
        for (int i = 0; i < 5; i++) {
            assertThat(session.admitFrame(later, interval, burst)).isTrue();
        }
        assertThat(session.admitFrame(later, interval, burst)).isFalse();
    }

    @Test
    void theFrameBucketWorksAcrossNanoTimeWrapAround() {
        ChatSession session = session(8);
        long interval = 10;
        long start = Long.MAX_VALUE - 15;
        assertThat(session.admitFrame(start, interval, 2 * interval)).isTrue();
        assertThat(session.admitFrame(start, interval, 2 * interval)).isTrue();
        assertThat(session.admitFrame(start, interval, 2 * interval)).isFalse();
        assertThat(session.admitFrame(start + 10, interval, 2 * interval)).as("after the wrap").isTrue();
        assertThat(session.admitFrame(start + 100, interval, 2 * interval)).isTrue();
        assertThat(session.admitFrame(start + 100, interval, 2 * interval)).isTrue();
        assertThat(session.admitFrame(start + 100, interval, 2 * interval)).isFalse();
    }

    @Test
    void fullBufferClosesWith1013AndDropsWhatWasQueued() {
        ChatSession session = session(3);

        assertThat(session.send(frame(1))).isTrue();
        assertThat(session.send(frame(2))).isTrue();
        assertThat(session.send(frame(3))).isTrue();
        assertThat(session.send(frame(4))).isFalse();

        assertThat(session.closeStatus().getCode()).isEqualTo(1013);
        assertThat(session.send(frame(5))).isFalse();
        StepVerifier.create(session.outbound()).expectComplete().verify(Duration.ofSeconds(5));
        StepVerifier.create(session.closeRequested()).expectNext(CloseCodes.TOO_SLOW).verifyComplete();
    }

    @Test
    void closeAfterDrainWritesWhatWasQueuedFirst() {
        ChatSession session = session(10);
        session.send(frame(1));
        session.send(frame(2));

        session.closeAfterDrain(CloseCodes.TOKEN_EXPIRED);

        assertThat(session.send(frame(3))).isFalse();
        StepVerifier.create(session.outbound()).expectNextCount(2).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(session.closeStatus().getCode()).isEqualTo(4401);
    }

    @Test
    void firstCloseWinsButCloseNowStillStopsTheOutput() {
        ChatSession session = session(10);
        session.send(frame(1));

        session.closeAfterDrain(CloseCodes.BAD_FRAMES);
        session.closeNow(CloseCodes.GONE);

        assertThat(session.closeStatus().getCode()).isEqualTo(1008);
        StepVerifier.create(session.outbound()).expectComplete().verify(Duration.ofSeconds(5));
    }

    @Test
    void heartbeatPingsALiveConnectionAndClosesASilentOne() {
        ChatSession live = session(10);
        live.touch();
        live.heartbeat(Duration.ofHours(1));
        assertThat(live.isClosing()).isFalse();
        StepVerifier.create(live.outbound().take(1)).expectNext(OutboundFrame.Ping.INSTANCE).verifyComplete();

        ChatSession silent = session(10);
        silent.heartbeat(Duration.ZERO);
        assertThat(silent.closeStatus().getCode()).isEqualTo(1001);
    }

    @Test
    void concurrentSendersLoseNothingAndNeverBlock() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        ChatSession session = session(threads * perThread);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                pool.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < perThread; i++) {
                        session.send(frame(i));
                    }
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        session.closeAfterDrain(CloseCodes.GONE);

        List<OutboundFrame> all = session.outbound().collectList().block(Duration.ofSeconds(5));
        assertThat(all).hasSize(threads * perThread);
    }

    @Test
    void pacedFramesTakeOnlyWhatFitsAboveTheReserveAndTheRestAsTheSocketDrains() {
        ChatSession session = session(8);
        List<OutboundFrame.Text> page = IntStream.range(0, 20).mapToObj(ChatSessionTest::frame).toList();
        session.send(frame(-1));
        AtomicReference<Boolean> done = new AtomicReference<>();

        session.sendPaced(page, Duration.ofSeconds(5)).subscribe(done::set);

        // nothing drained yet: the page took what fits while a quarter stays free, and waits
        assertThat(done.get()).isNull();
        assertThat(session.isClosing()).isFalse();
        assertThat(session.send(frame(-2))).as("a live frame still fits").isTrue();
        StepVerifier.create(session.outbound(), 0)
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(done.get()).as("still waiting for the socket").isNull())
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(19)
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.TRUE.equals(done.get()));
        assertThat(session.isClosing()).isFalse();
    }

    @Test
    void pacedFramesThatTheClientNeverDrainsCloseWith1013() {
        ChatSession session = session(4);

        StepVerifier.create(session.sendPaced(IntStream.range(0, 10).mapToObj(ChatSessionTest::frame).toList(),
                        Duration.ofMillis(200)))
                .expectNext(false)
                .verifyComplete();

        assertThat(session.closeStatus().getCode()).isEqualTo(1013);
    }

    @Test
    void pacedFramesStopWhenTheSessionCloses() {
        ChatSession session = session(4);
        Mono<Boolean> paced = session.sendPaced(IntStream.range(0, 10).mapToObj(ChatSessionTest::frame).toList(),
                Duration.ofSeconds(30));

        StepVerifier.create(paced)
                .then(() -> session.closeAfterDrain(CloseCodes.RESTARTING))
                .expectNext(false)
                .verifyComplete();
    }
}
