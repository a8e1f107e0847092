package dev.chat.message.admission;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.limit.AdmissionMetrics;
import dev.chat.shared.limit.AdmissionWebFilter;
import dev.chat.shared.limit.RequestAdmission;
import dev.chat.shared.problem.ProblemWriter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Load shedding: at most {@code chat.admission.max-in-flight} requests are worked on at once, a bounded number
 * wait briefly for one of them to finish, and the rest are answered 503 {@code overloaded} with a jittered
 * {@code Retry-After} before anything was done for them (shared-lib {@link AdmissionWebFilter}, the first web
 * filter: before authentication, before the body is read). Past the saturation point requests are thereby
 * refused in a bounded time instead of queueing for seconds in front of the connection pool.
 * <p>
 * Meters: {@code chat.admission.in-flight}, {@code .waiting}, {@code .limit} (gauges), {@code chat.admission.shed}
 * (counter, tag {@code reason}: {@code queue_full}, {@code wait_timed_out}).
 */
@Configuration(proxyBeanMethods = false)
class AdmissionConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdmissionConfiguration.class);

    @Bean
    AdmissionWebFilter admissionWebFilter(AdmissionProperties properties,
            @Value("${spring.r2dbc.pool.max-size:10}") int poolMaxSize, ProblemWriter problems, MeterRegistry meters) {
        int maxInFlight = properties.maxInFlight(poolMaxSize);
        RequestAdmission admission = new RequestAdmission(maxInFlight, properties.maxWaiting(maxInFlight),
                properties.maxWait());
        log.info("Admission: at most {} requests in flight ({}), {} more waiting at most {} ms, then 503 overloaded;"
                        + " never shed: {}", maxInFlight,
                properties.maxInFlight() > 0 ? "chat.admission.max-in-flight"
                        : AdmissionProperties.IN_FLIGHT_PER_CONNECTION + " x spring.r2dbc.pool.max-size " + poolMaxSize,
                admission.maxWaiting(), admission.maxWait().toMillis(), properties.exemptPaths());
        return new AdmissionWebFilter(admission, properties.exemptPaths(), properties.retryAfter().retryAfter(), problems,
                "This message-service instance",
                AdmissionMetrics.register(admission, meters, "chat.admission", "HTTP requests this instance"));
    }
}
