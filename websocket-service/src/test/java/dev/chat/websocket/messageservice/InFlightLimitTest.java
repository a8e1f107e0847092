package dev.chat.websocket.messageservice;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class InFlightLimitTest {

    private final InFlightLimit limit = new InFlightLimit(2);

    @Test
    void atMostMaxRunAndTheOthersWaitTheirTurnInOrder() {
        List<Sinks.One<String>> calls = new ArrayList<>();
        List<String> started = new ArrayList<>();
        List<String> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Sinks.One<String> call = Sinks.one();
            calls.add(call);
            String name = "call-" + i;
            limit.run(() -> {
                started.add(name);
                return call.asMono();
            }).subscribe(results::add);
        }

        assertThat(started).containsExactly("call-0", "call-1");
        assertThat(limit.inFlight()).isEqualTo(2);
        assertThat(limit.waiting()).isEqualTo(2);

        calls.get(1).tryEmitValue("one");
        assertThat(started).containsExactly("call-0", "call-1", "call-2");

        calls.get(0).tryEmitError(new IllegalStateException("failed"));
        assertThat(started).containsExactly("call-0", "call-1", "call-2", "call-3");

        calls.get(2).tryEmitValue("two");
        calls.get(3).tryEmitValue("three");
        assertThat(results).containsExactly("one", "two", "three");
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void aCancelledCallFreesItsPlaceWhetherWaitingOrRunning() {
        Sinks.One<String> first = Sinks.one();
        Disposable running = limit.run(first::asMono).subscribe();
        Disposable alsoRunning = limit.run(() -> Mono.<String>never()).subscribe();
        List<String> started = new ArrayList<>();
        Disposable waiting = limit.run(() -> {
            started.add("waiting");
            return Mono.<String>never();
        }).subscribe();
        assertThat(limit.waiting()).isEqualTo(1);

        waiting.dispose();
        assertThat(limit.waiting()).isZero();
        running.dispose();
        alsoRunning.dispose();

        assertThat(started).isEmpty();
        assertThat(limit.inFlight()).isZero();
        // and the limit is whole again
        List<String> results = new ArrayList<>();
        limit.run(() -> Mono.just("a")).subscribe(results::add);
        limit.run(() -> Mono.just("b")).subscribe(results::add);
        limit.run(() -> Mono.just("c")).subscribe(results::add);
        assertThat(results).containsExactly("a", "b", "c");
    }
}
