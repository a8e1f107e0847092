package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import reactor.test.StepVerifier;

class ChatSessionTest {

    private static OutboundFrame.Text frame(int i) {
        return OutboundFrame.text(("{\"n\":" + i + "}").getBytes());
    }

    private static ChatSession session(int buffer) {
        return new ChatSession("s1", "alice", Instant.now().plusSeconds(3600), buffer);
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
}
