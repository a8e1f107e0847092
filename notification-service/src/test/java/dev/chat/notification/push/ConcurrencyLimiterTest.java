package dev.chat.notification.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class ConcurrencyLimiterTest {

    @Test
    void atMostMaxRunAndTheRestStartAsOthersFinish() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(2);
        List<CompletableFuture<String>> started = new ArrayList<>();
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(limiter.submit(() -> {
                CompletableFuture<String> f = new CompletableFuture<>();
                started.add(f);
                return f;
            }));
        }
        assertThat(started).hasSize(2);
        assertThat(limiter.waiting()).isEqualTo(3);
        started.get(0).complete("a");
        assertThat(results.get(0)).isCompletedWithValue("a");
        assertThat(started).hasSize(3);
        started.get(1).completeExceptionally(new IllegalStateException("x"));
        assertThat(results.get(1)).isCompletedExceptionally();
        assertThat(started).hasSize(4);
        assertThat(limiter.running()).isEqualTo(2);
    }

    @Test
    void tasksThatFinishAtOnceDoNotRecurseWithoutBound() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1);
        CompletableFuture<String> blocker = new CompletableFuture<>();
        limiter.submit(() -> blocker);
        List<CompletableFuture<String>> quick = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            quick.add(limiter.submit(() -> CompletableFuture.completedFuture("done")));
        }
        blocker.complete("go");
        assertThat(quick).allSatisfy(f -> assertThat(f).isCompletedWithValue("done"));
        assertThat(limiter.running()).isZero();
    }
}
