package dev.chat.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpHeaders;

class IdentityHeadersFilterTest {

    private final IdentityHeadersFilter filter = new IdentityHeadersFilter();

    @ParameterizedTest
    @ValueSource(strings = { "X-User-Id", "x-user-id", "X-USER-NAME", "X-User", "X-UserId", "X-Forwarded-User",
            "X-Forwarded-User-Email", "X-Authenticated-User", "X-Auth-User-Id", "X-Remote-User", "Remote-User" })
    void identityHeadersAreRemoved(String name) {
        HttpHeaders input = new HttpHeaders();
        input.add(name, "mallory");
        input.add(HttpHeaders.AUTHORIZATION, "Bearer t");

        HttpHeaders output = filter.filter(input, null);

        assertThat(output.containsHeader(name)).isFalse();
        assertThat(output.getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer t");
    }

    @Test
    void everythingElseIsKept() {
        HttpHeaders input = new HttpHeaders();
        input.add(HttpHeaders.AUTHORIZATION, "Bearer t");
        input.add(HttpHeaders.USER_AGENT, "app/1.0");
        input.add("Idempotency-Key", "k");
        input.add("Accept", "application/json");
        input.add("Accept", "application/problem+json");
        input.add("X-Forwarded-For", "10.0.0.1");

        HttpHeaders output = filter.filter(input, null);

        assertThat(output.headerNames()).containsExactlyInAnyOrderElementsOf(input.headerNames());
        assertThat(output.get("Accept")).containsExactly("application/json", "application/problem+json");
    }
}
