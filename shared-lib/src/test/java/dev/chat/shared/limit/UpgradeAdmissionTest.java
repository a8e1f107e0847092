package dev.chat.shared.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import reactor.core.publisher.Mono;

import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ProblemWriter;

class UpgradeAdmissionTest {

    private final AtomicInteger refused = new AtomicInteger();

    private UpgradeAdmission admission(int limit, Duration base, Duration spread) {
        return new UpgradeAdmission(new ConnectionSlots(limit), base, spread, new ProblemWriter(ChatJson.mapper()),
                refused::incrementAndGet);
    }

    @Test
    void retryAfterIsSpreadOverTheWholeRange() {
        UpgradeAdmission admission = admission(1, Duration.ofSeconds(1), Duration.ofSeconds(9));
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            seen.add(admission.nextRetryAfterSeconds());
        }
        assertThat(seen).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);

        assertThat(admission(1, Duration.ZERO, Duration.ZERO).nextRetryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void pastTheLimitTheUpgradeIsRefusedWith503AndNeverRuns() {
        UpgradeAdmission admission = admission(1, Duration.ofSeconds(2), Duration.ofSeconds(3));
        AtomicInteger upgrades = new AtomicInteger();
        MockServerWebExchange first = MockServerWebExchange.from(MockServerHttpRequest.get("/ws"));
        // a mock exchange has no connection: the slot is held until the upgrade's Mono ends
        Mono<Void> holding = admission.admit(first, exchange -> Mono.<Void>never().doOnSubscribe(s -> upgrades.incrementAndGet()));
        var subscription = holding.subscribe();

        MockServerWebExchange second = MockServerWebExchange.from(MockServerHttpRequest.get("/ws"));
        admission.admit(second, exchange -> Mono.fromRunnable(upgrades::incrementAndGet)).block(Duration.ofSeconds(5));

        assertThat(upgrades.get()).isEqualTo(1);
        assertThat(refused.get()).isEqualTo(1);
        assertThat(second.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(second.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(Long.parseLong(second.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(2L, 5L);
        assertThat(second.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
                .contains("\"code\":\"too_many_connections\"", "\"status\":503", "maximum of 1 WebSocket connections");

        subscription.dispose();
        assertThat(admission.slots().inUse()).isZero();
    }

    @Test
    void aFailedUpgradeGivesItsSlotBack() {
        UpgradeAdmission admission = admission(1, Duration.ofSeconds(1), Duration.ZERO);
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/ws"));

        admission.admit(exchange, e -> Mono.error(new IllegalStateException("bad handshake")))
                .onErrorComplete().block(Duration.ofSeconds(5));

        assertThat(admission.slots().inUse()).isZero();
    }
}
