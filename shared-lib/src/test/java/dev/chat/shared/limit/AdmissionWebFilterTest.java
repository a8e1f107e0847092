package dev.chat.shared.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ProblemWriter;
import dev.chat.shared.problem.RetryAfter;

class AdmissionWebFilterTest {

    private final List<RequestAdmission.Outcome> shed = new CopyOnWriteArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final Sinks.Empty<Void> release = Sinks.empty();

    private final AdmissionWebFilter filter = new AdmissionWebFilter(new RequestAdmission(1, 0, Duration.ZERO),
            List.of("/actuator/**", "/api/v1/conversations/*/sync"), new RetryAfter(2, 3),
            new ProblemWriter(ChatJson.mapper()), "This test server", shed::add);

    /** A handler that is held until {@link #release} ends. */
    private final WebFilterChain slow = exchange -> {
        handled.incrementAndGet();
        return release.asMono();
    };

    @Test
    void pastTheLimitARequestIs503OverloadedWithAJitteredRetryAfterAndNeverHandled() {
        Disposable held = filter.filter(exchange("POST", "/api/v1/messages"), slow).subscribe();
        assertThat(filter.admission().inFlight()).isEqualTo(1);

        MockServerWebExchange refused = exchange("POST", "/api/v1/messages");
        filter.filter(refused, slow).block(Duration.ofSeconds(5));

        assertThat(handled).hasValue(1);
        assertThat(shed).containsExactly(RequestAdmission.Outcome.QUEUE_FULL);
        assertThat(refused.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(refused.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(Long.parseLong(refused.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(2L, 5L);
        assertThat(refused.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
                .contains("\"code\":\"overloaded\"", "\"status\":503", "\"type\":\"urn:chat:problem:overloaded\"",
                        "This test server is at its limit of 1 requests in flight", "\"instance\":\"/api/v1/messages\"");

        release.tryEmitEmpty();
        assertThat(filter.admission().inFlight()).isZero();
        held.dispose();
        MockServerWebExchange after = exchange("GET", "/api/v1/conversations");
        filter.filter(after, exchange -> Mono.empty()).block(Duration.ofSeconds(5));
        assertThat(after.getResponse().getStatusCode()).isNotEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    }

    @Test
    void exemptPathsAreNeverShedNorCounted() {
        Disposable held = filter.filter(exchange("GET", "/api/v1/conversations"), slow).subscribe();

        for (String path : List.of("/actuator/health", "/actuator/health/readiness",
                "/api/v1/conversations/5f0c4b9e-0000-4000-8000-000000000000/sync")) {
            MockServerWebExchange exempt = exchange("GET", path);
            filter.filter(exempt, exchange -> Mono.empty()).block(Duration.ofSeconds(5));
            assertThat(exempt.getResponse().getStatusCode()).as(path).isNull();
        }
        assertThat(shed).isEmpty();
        assertThat(filter.admission().inFlight()).isEqualTo(1);
        held.dispose();
        assertThat(filter.admission().inFlight()).isZero();
    }

    @Test
    void aRequestWhoseClientWentAwayGivesItsPermitBack() {
        Disposable held = filter.filter(exchange("POST", "/api/v1/messages"), slow).subscribe();
        assertThat(filter.admission().inFlight()).isEqualTo(1);

        held.dispose();

        assertThat(filter.admission().inFlight()).isZero();
    }

    private static MockServerWebExchange exchange(String method, String path) {
        return MockServerWebExchange.from(MockServerHttpRequest.method(org.springframework.http.HttpMethod.valueOf(method), path));
    }
}
