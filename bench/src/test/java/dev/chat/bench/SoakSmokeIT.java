package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.chat.devstack.ChatStack;

/**
 * The soak in its smoke form, for CI: the same stack (the images' JVM flags, the contract's send limit), the same fake
 * providers, the same mixed load, sampler and report, for a minute at 10 msg/s with a sample every 10 s and sockets
 * churned every 15 s. It asserts correctness (nothing lost, stored twice, out of order or abandoned; every push once;
 * no 5xx but shedding) and that every series was sampled; never flatness (a minute says nothing about growth) and
 * never speed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SoakSmokeIT {

    PushedStack pushed;
    Path root;
    PushFakes fakes;
    ChatStack stack;

    @BeforeAll
    void start() throws Exception {
        pushed = PushedStack.start("soak-push-fakes-smoke");
        root = pushed.root();
        fakes = pushed.fakes();
        stack = pushed.stack();
    }

    @AfterAll
    void stop() throws Exception {
        if (pushed != null) {
            pushed.close();
        }
    }

    @Test
    void underMixedLoadEveryMessageIsStoredDeliveredAndPushedOnceAndEverySeriesIsSampled() throws Exception {
        SoakLoad.Config config = SoakLoad.Config.of(10, Duration.ofSeconds(60), stack.gatewayUrl(),
                stack.gatewayWebSocketUrl(), Duration.ofSeconds(15), 0.1);
        SoakBenchmark.Outcome outcome = SoakBenchmark.run(stack, fakes, config, Duration.ofSeconds(10),
                root.resolve("bench/target"));
        String report = SoakBenchmark.report(outcome, false);
        System.out.println(report);
        SoakLoad.Result r = outcome.load();

        assertThat(r.messages()).as(report).isGreaterThanOrEqualTo(550);
        assertThat(r.abandoned()).as(report).isZero();
        assertThat(r.stored()).as(report).isEqualTo(r.messages());
        assertThat(r.fiveXxNotShed()).as(report).isEmpty();
        assertThat(r.otherStatuses()).as(report).isEmpty();
        assertThat(r.storedTwice()).as(report).isZero();
        assertThat(r.outOfOrder()).as(report).isZero();
        assertThat(r.missing()).as(report).isZero();
        assertThat(r.expected()).as(report).isGreaterThan(r.messages()); // groups: several receivers a message
        assertThat(r.minSenderGapMs()).as(report).isGreaterThanOrEqualTo(500); // the pacer
        // the churn happened, and the devices it reconnected synced
        assertThat(r.reconnects()).as(report).isGreaterThanOrEqualTo(3);
        assertThat(r.syncs()).as(report).isPositive();
        assertThat(r.pushesExpected()).as(report).isPositive();
        assertThat(r.pushedOnce()).as(report).isEqualTo(r.pushesExpected());
        assertThat(r.pushDuplicates()).as(report).isZero();
        assertThat(r.correct()).as(report).isTrue();

        // every series, of every process, with at least 3 samples
        List<SoakSampler.Series> series = outcome.series();
        int expectedSeries = stack.instances().size() * 4 + stack.webSocketNodes().size() + 2;
        assertThat(series).as(report).hasSize(expectedSeries);
        assertThat(series).as(report).allSatisfy(s -> assertThat(s.points()).as(s.name()).hasSizeGreaterThanOrEqualTo(3));
        assertThat(series).as(report).filteredOn(s -> s.kind() == SoakSampler.Kind.HEAP)
                .allSatisfy(s -> assertThat(s.points()).allSatisfy(p -> assertThat(p.value()).isPositive()));
        // the devices online are the sessions the websocket node counts (at the end: no reconnect under way)
        SoakSampler.Series sessions = series.stream().filter(s -> s.kind() == SoakSampler.Kind.SESSIONS).findFirst()
                .orElseThrow();
        assertThat(sessions.points().getLast().value()).as(report).isGreaterThanOrEqualTo(r.receivers() - 2);
    }
}
