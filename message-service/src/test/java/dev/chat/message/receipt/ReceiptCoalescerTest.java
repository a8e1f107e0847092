package dev.chat.message.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The coalescer's timing, on virtual time: nothing here waits for real. The shared windows are
 * {@link SharedWindowsFake} (what ReceiptStore keeps in PostgreSQL), so several coalescers on one fake
 * are several instances on one database.
 */
class ReceiptCoalescerTest {

    record Published(ReceiptKey key, Watermarks watermarks, long atMillis) {
    }

    final List<Published> published = new CopyOnWriteArrayList<>();
    VirtualTimeScheduler time;
    SimpleMeterRegistry meters;
    SharedWindowsFake windows;
    ReceiptCoalescer coalescer;
    final ReceiptKey alice = new ReceiptKey(UUID.randomUUID(), "alice");
    final ReceiptKey bob = new ReceiptKey(alice.conversationId(), "bob");

    @BeforeEach
    void setUp() {
        time = VirtualTimeScheduler.create();
        meters = new SimpleMeterRegistry();
        windows = new SharedWindowsFake(time, 1000);
        coalescer = coalescer(100);
    }

    @AfterEach
    void tearDown() {
        time.dispose();
    }

    ReceiptCoalescer coalescer(int maxPending) {
        return coalescer(maxPending, time);
    }

    /** One instance: its own coalescer (and scheduler), the shared windows. */
    ReceiptCoalescer coalescer(int maxPending, Scheduler scheduler) {
        return new ReceiptCoalescer((key, w) -> Mono.fromRunnable(
                () -> published.add(new Published(key, w, time.now(TimeUnit.MILLISECONDS)))),
                windows, scheduler, Duration.ofSeconds(1), maxPending, meters);
    }

    /** A receipt taken by {@code instance}: the watermark is raised (shared), and offered if it moved. */
    void change(ReceiptCoalescer instance, ReceiptKey key, Watermarks watermarks) {
        ReceiptStore.Moved moved = windows.raise(key, watermarks);
        if (moved != null) {
            instance.offer(key, moved);
        }
    }

    void change(ReceiptKey key, Watermarks watermarks) {
        change(coalescer, key, watermarks);
    }

    void advanceMillis(long millis) {
        time.advanceTimeBy(Duration.ofMillis(millis));
    }

    @Test
    void theFirstChangeIsPublishedAtOnce() {
        change(alice, new Watermarks(3, 1));

        assertThat(published).containsExactly(new Published(alice, new Watermarks(3, 1), 0));
    }

    @Test
    void laterChangesInTheWindowAreMergedAndPublishedOnceAtItsEnd() {
        change(alice, new Watermarks(1, 1));
        for (int seq = 2; seq <= 10; seq++) {
            advanceMillis(50);
            change(alice, new Watermarks(seq, seq));
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
            change(alice, new Watermarks(i, i));
            advanceMillis(100);
        }
        advanceMillis(1000);

        assertThat(published).extracting(Published::atMillis).containsExactly(0L, 1000L, 2000L, 3000L, 4000L, 5000L);
        assertThat(published.getLast().watermarks()).isEqualTo(new Watermarks(50, 50));
    }

    @Test
    void aQuietPairStartsAFreshWindowWithAnImmediateEvent() {
        change(alice, new Watermarks(1, 0));
        advanceMillis(2000); // the window ended with nothing new
        change(alice, new Watermarks(2, 0));

        assertThat(published).extracting(Published::atMillis).containsExactly(0L, 2000L);
    }

    @Test
    void pairsAreCoalescedIndependently() {
        change(alice, new Watermarks(1, 1));
        change(bob, new Watermarks(1, 0));
        change(alice, new Watermarks(2, 2));

        assertThat(published).extracting(Published::key).containsExactly(alice, bob);
        advanceMillis(1000);
        assertThat(published).hasSize(3);
        assertThat(published.getLast()).isEqualTo(new Published(alice, new Watermarks(2, 2), 1000));
    }

    @Test
    void olderObservationsNeverLowerWhatIsPublished() {
        change(alice, new Watermarks(5, 2));
        change(alice, new Watermarks(4, 4)); // a concurrent request that finished late: read moves, delivered stays
        change(alice, new Watermarks(3, 1)); // nothing new: no event for it
        advanceMillis(1000);

        assertThat(published).extracting(Published::watermarks)
                .containsExactly(new Watermarks(5, 2), new Watermarks(5, 4));
    }

    @Test
    void nothingNewInTheWindowMeansNoSecondEvent() {
        change(alice, new Watermarks(5, 5));
        change(alice, new Watermarks(5, 5));
        advanceMillis(3000);

        assertThat(published).hasSize(1);
        assertThat(coalescer.tracked()).isZero();
    }

    @Test
    void beyondTheBoundChangesArePublishedAtOnceInsteadOfRemembered() {
        coalescer = coalescer(2);
        ReceiptKey carol = new ReceiptKey(alice.conversationId(), "carol");
        change(alice, new Watermarks(1, 1));
        change(bob, new Watermarks(1, 1));
        change(carol, new Watermarks(1, 1)); // opens its window: published, but not tracked
        change(carol, new Watermarks(2, 2)); // not tracked: published at once

        assertThat(coalescer.tracked()).isEqualTo(2);
        assertThat(published).hasSize(4);
        assertThat(meters.counter("chat.receipts.coalescer.overflow").count()).isEqualTo(2);
    }

    @Test
    void flushPublishesWhatIsPendingAndThenPassesChangesThrough() {
        change(alice, new Watermarks(1, 1));
        change(alice, new Watermarks(2, 2));
        change(bob, new Watermarks(1, 0)); // published, nothing pending

        coalescer.flush().block(Duration.ofSeconds(1));
        assertThat(published).extracting(Published::watermarks)
                .containsExactly(new Watermarks(1, 1), new Watermarks(1, 0), new Watermarks(2, 2));
        assertThat(coalescer.tracked()).isZero();

        change(alice, new Watermarks(3, 3));
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
        }, windows, time, Duration.ofSeconds(1), 100, meters);

        change(alice, new Watermarks(1, 1));
        change(alice, new Watermarks(2, 2));
        advanceMillis(1000);

        assertThat(attempts).containsExactly(new Watermarks(1, 1), new Watermarks(2, 2));
    }

    @Test
    void aFailedWindowEndIsLoggedAndForgetsThePair() {
        coalescer = new ReceiptCoalescer((key, w) -> Mono.fromRunnable(
                () -> published.add(new Published(key, w, time.now(TimeUnit.MILLISECONDS)))),
                (key, force) -> Mono.error(new IllegalStateException("database down")), time, Duration.ofSeconds(1),
                100, meters);

        change(alice, new Watermarks(1, 1));
        change(alice, new Watermarks(2, 2));
        advanceMillis(1000);

        assertThat(published).extracting(Published::watermarks).containsExactly(new Watermarks(1, 1));
        assertThat(coalescer.tracked()).isZero();
    }

    // ------------------------------------------------------------ several instances, one database

    @Test
    void twoInstancesTakingTurnsShareOneWindow() {
        ReceiptCoalescer other = coalescer(100);
        for (int i = 1; i <= 60; i++) { // one change every 50 ms for 3 s, alternating instances
            change(i % 2 == 0 ? coalescer : other, alice, new Watermarks(i, i));
            advanceMillis(50);
        }
        advanceMillis(2000);

        assertThat(published).extracting(Published::atMillis).containsExactly(0L, 1000L, 2000L, 3000L);
        assertThat(published.getLast().watermarks()).isEqualTo(new Watermarks(60, 60));
        assertThat(coalescer.tracked()).isZero();
        assertThat(other.tracked()).isZero();
    }

    @Test
    void theLastChangeIsPublishedWhenTheInstanceThatOpenedTheWindowIsGone() {
        VirtualTimeScheduler deadClock = VirtualTimeScheduler.create(); // never advanced: this instance never asks
        try {
            ReceiptCoalescer opener = coalescer(100, deadClock);
            change(opener, alice, new Watermarks(1, 1));
            advanceMillis(300);
            change(coalescer, alice, new Watermarks(2, 2)); // the other instance takes the next receipt
            advanceMillis(700);

            assertThat(published).containsExactly(
                    new Published(alice, new Watermarks(1, 1), 0),
                    new Published(alice, new Watermarks(2, 2), 1000));
        } finally {
            deadClock.dispose();
        }
    }

    @Test
    void aChangeOnAnotherInstanceAfterTheWindowClosedOpensTheNextOneThere() {
        ReceiptCoalescer other = coalescer(100);
        change(coalescer, alice, new Watermarks(1, 1));
        advanceMillis(1500); // closed, nothing new
        change(other, alice, new Watermarks(2, 2));
        advanceMillis(200);
        change(coalescer, alice, new Watermarks(3, 3));
        advanceMillis(2000);

        assertThat(published).containsExactly(
                new Published(alice, new Watermarks(1, 1), 0),
                new Published(alice, new Watermarks(2, 2), 1500),
                new Published(alice, new Watermarks(3, 3), 2500));
    }
}
