package dev.chat.shared.limit;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of a {@link RequestAdmission}, the same in every service under its own prefix: gauges
 * {@code <prefix>.in-flight}, {@code .waiting}, {@code .limit}, and the counter {@code <prefix>.shed} tagged
 * {@code reason} ({@code queue_full}, {@code wait_timed_out}).
 */
public final class AdmissionMetrics {

    private AdmissionMetrics() {
    }

    /**
     * Registers the meters.
     *
     * @param what the requests counted and where, for the descriptions ("REST requests this gateway replica")
     * @return what counts a refusal: {@link AdmissionWebFilter}'s {@code onShed}
     */
    public static Consumer<RequestAdmission.Outcome> register(RequestAdmission admission, MeterRegistry meters,
            String prefix, String what) {
        Gauge.builder(prefix + ".in-flight", admission, RequestAdmission::inFlight)
                .description(what + " has in flight").register(meters);
        Gauge.builder(prefix + ".waiting", admission, RequestAdmission::waiting)
                .description(what + " has waiting for one in flight to finish").register(meters);
        Gauge.builder(prefix + ".limit", admission, RequestAdmission::maxInFlight)
                .description(what + " works on at once; more wait briefly or are shed (503)").register(meters);
        Map<RequestAdmission.Outcome, Counter> shed = new EnumMap<>(RequestAdmission.Outcome.class);
        for (RequestAdmission.Outcome reason : new RequestAdmission.Outcome[] { RequestAdmission.Outcome.QUEUE_FULL,
                RequestAdmission.Outcome.WAIT_TIMED_OUT }) {
            shed.put(reason, Counter.builder(prefix + ".shed")
                    .description(what + " answered 503 overloaded before any work (load shedding)")
                    .tag("reason", reason.tag())
                    .register(meters));
        }
        return outcome -> {
            Counter counter = shed.get(outcome);
            if (counter != null) {
                counter.increment();
            }
        };
    }
}
