package dev.chat.message.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The coalescer's timing, on virtual time: nothing here waits for real. */
class ReceiptCoalescerTest {

    record Published(ReceiptKey key, Watermarks watermarks, long atMillis) {
    }

    final List<Published> published = new CopyOnWriteArrayList<>();
    VirtualTimeScheduler time;
    SimpleMeterRegistry meters;
    ReceiptCoalescer coalescer;
    final ReceiptKey alice = new ReceiptKey(UUID.randomUUID(), "alice");
    final ReceiptKey bob = new ReceiptKey(alice.conversationId(), "bob");

    @BeforeEach
    void setUp() {
        time = VirtualTimeScheduler.create();
        meters = new SimpleMeterRegistry();
        coalescer = coalescer(100);
    }

    @AfterEach
    void tearDown() {
        time.dispose();
    }

    ReceiptCoalescer coalescer(int maxPending) {
        return new ReceiptCoalescer((key, w) -> Mono.fromRunnable(
                () -> published.add(new Published(key, w, time.now(java.util.concurrent.TimeUnit.MILLISECONDS)))),
                time, Duration.ofSeconds(1), maxPending, meters);
    }

    void advanceMillis(long millis) {
        time.advanceTimeBy(Duration.ofMillis(millis));
    }

    @Test
    void theFirstChangeIsPublishedAtOnce() {
        coalescer.offer(alice, new Watermarks(3, 1));

        assertThat(published).containsExactly(new Published(alice, new Watermarks(3, 1), 0));
    }

    @Test
    void laterChangesInTheWindowAreMergedAndPublishedOnceAtItsEnd() {
        coalescer.offer(alice, new Watermarks(1, 1));
        for (int seq = 2; seq <= 10; seq++) {
            advanceMillis(50);
            coalescer.offer(alice, new Watermarks(seq, seq));
        }
        assertThat(published).hasSize(1);

        advanceMillis(549); // 999 ms after the first
        assertThat(published).hasSize(1);
        advanceMillis(1);
        assertThat(published).containsExactly(
                new Published(alice, new Watermarks(1, 1), 0),
                new Published(alice, new Watermarks(10, 10), 1000));

        advanceMillis(5000); // nothing more happened: nothing more is published, and the pair is forgotten
        assertThat(published).hasSize(2);
        assertThat(coalescer.tracked()).isZero();
    }

    @Test
    void aSteadyStreamOfChangesGivesOneEventPerWindow() {
        for (int i = 1; i <= 50; i++) { // one change every 100 ms for 5 s
            coalescer.offer(alice, new Watermarks(i, i));
            advanceMillis(100);
        }
        advanceMillis(1000);

        assertThat(published).extracting(Published::atMillis).containsExactly(0L, 1000L, 2000L, 3000L, 4000L, 5000L);
        assertThat(published.getLast().watermarks()).isEqualTo(new Watermarks(50, 50));
    }

    @Test
    void aQuietPairStartsAFreshWindowWithAnImmediateEvent() {
        coalescer.offer(alice, new Watermarks(1, 0));
        advanceMillis(2000); // the window ended with nothing new
        coalescer.offer(alice, new Watermarks(2, 0));

        assertThat(published).extracting(Published::atMillis).containsExactly(0L, 2000L);
    }

    @Test
    void pairsAreCoalescedIndependently() {
        coalescer.offer(alice, new Watermarks(1, 1));
        coalescer.offer(bob, new Watermarks(1, 0));
        coalescer.offer(alice, new Watermarks(2, 2));

        assertThat(published).extracting(Published::key).containsExactly(alice, bob);
        advanceMillis(1000);
        assertThat(published).hasSize(3);
        assertThat(published.getLast()).isEqualTo(new Published(alice, new Watermarks(2, 2), 1000));
    }

    @Test
    void olderObservationsNeverLowerWhatIsPublished() {
        coalescer.offer(alice, new Watermarks(5, 2));
        coalescer.offer(alice, new Watermarks(4, 4)); // a concurrent request that finished late
        coalescer.offer(alice, new Watermarks(3, 1)); // nothing new: no event for it
        advanceMillis(1000);

        assertThat(published).extracting(Published::watermarks)
                .containsExactly(new Watermarks(5, 2), new Watermarks(5, 4));
    }

    @Test
    void nothingNewInTheWindowMeansNoSecondEvent() {
        coalescer.offer(alice, new Watermarks(5, 5));
        coalescer.offer(alice, new Watermarks(5, 5));
        advanceMillis(3000);

        assertThat(published).hasSize(1);
    }

    @Test
    void beyondTheBoundChangesArePublishedAtOnceInsteadOfRemembered() {
        coalescer = coalescer(2);
        ReceiptKey carol = new ReceiptKey(alice.conversationId(), "carol");
        coalescer.offer(alice, new Watermarks(1, 1));
        coalescer.offer(bob, new Watermarks(1, 1));
        coalescer.offer(carol, new Watermarks(1, 1));
        coalescer.offer(carol, new Watermarks(2, 2));

        assertThat(coalescer.tracked()).isEqualTo(2);
        assertThat(published).hasSize(4);
        assertThat(meters.counter("chat.receipts.coalescer.overflow").count()).isEqualTo(2);
    }

    @Test
    void flushPublishesWhatIsPendingAndThenPassesChangesThrough() {
        coalescer.offer(alice, new Watermarks(1, 1));
        coalescer.offer(alice, new Watermarks(2, 2));
        coalescer.offer(bob, new Watermarks(1, 0)); // published, nothing pending

        coalescer.flush().block(Duration.ofSeconds(1));
        assertThat(published).extracting(Published::watermarks)
                .containsExactly(new Watermarks(1, 1), new Watermarks(1, 0), new Watermarks(2, 2));
        assertThat(coalescer.tracked()).isZero();

        coalescer.offer(alice, new Watermarks(3, 3));
        assertThat(published).hasSize(4);
        advanceMillis(2000);
        assertThat(published).hasSize(4);
    }

    @Test
    void aFailedPublishIsLoggedAndDoesNotStopTheWindow() {
        List<Watermarks> attempts = new CopyOnWriteArrayList<>();
        coalescer = new ReceiptCoalescer((key, w) -> {
            attempts.add(w);
            return Mono.error(new IllegalStateException("database down"));
        }, time, Duration.ofSeconds(1), 100, meters);

        coalescer.offer(alice, new Watermarks(1, 1));
        coalescer.offer(alice, new Watermarks(2, 2));
        advanceMillis(1000);

        assertThat(attempts).containsExactly(new Watermarks(1, 1), new Watermarks(2, 2));
    }
}
