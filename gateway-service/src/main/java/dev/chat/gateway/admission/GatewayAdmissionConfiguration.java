package dev.chat.gateway.admission;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.limit.AdmissionMetrics;
import dev.chat.shared.limit.AdmissionWebFilter;
import dev.chat.shared.limit.RequestAdmission;
import dev.chat.shared.problem.ProblemWriter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Load shedding at the door: at most {@code chat.gateway.admission.max-in-flight} REST requests in flight per
 * replica, a bounded number waiting briefly, the rest answered 503 {@code overloaded} with a jittered
 * {@code Retry-After} by the gateway itself, before authentication and before anything is proxied (shared-lib
 * {@link AdmissionWebFilter}, the first web filter). A service's own 503 (message-service sheds with the same
 * code) passes through unchanged, its {@code Retry-After} included. {@code /ws} is exempt: WebSocket
 * connections are long-lived and have their own limit ({@code chat.gateway.websocket.max-connections}).
 * <p>
 * Meters: {@code chat.gateway.admission.in-flight}, {@code .waiting}, {@code .limit} (gauges),
 * {@code chat.gateway.admission.shed} (counter, tag {@code reason}: {@code queue_full}, {@code wait_timed_out}).
 */
@Configuration(proxyBeanMethods = false)
class GatewayAdmissionConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GatewayAdmissionConfiguration.class);

    @Bean
    AdmissionWebFilter gatewayAdmissionWebFilter(GatewayAdmissionProperties properties, ProblemWriter problems,
            MeterRegistry meters) {
        RequestAdmission admission = new RequestAdmission(properties.maxInFlight(), properties.waitingPlaces(),
                properties.maxWait());
        log.info("Admission: at most {} REST requests in flight, {} more waiting at most {} ms, then 503 overloaded;"
                        + " never shed: {}", admission.maxInFlight(), admission.maxWaiting(), admission.maxWait().toMillis(),
                properties.exemptPaths());
        return new AdmissionWebFilter(admission, properties.exemptPaths(), properties.retryAfter().retryAfter(), problems,
                "This gateway replica",
                AdmissionMetrics.register(admission, meters, "chat.gateway.admission", "REST requests this gateway replica"));
    }
}
