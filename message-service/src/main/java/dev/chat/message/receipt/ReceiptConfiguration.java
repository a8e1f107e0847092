package dev.chat.message.receipt;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Schedulers;

@Configuration(proxyBeanMethods = false)
class ReceiptConfiguration {

    /**
     * Windows are shared through PostgreSQL ({@link ReceiptStore}); window ends run on Reactor's parallel
     * scheduler: they only update a map and subscribe to a statement and a publish.
     */
    @Bean
    ReceiptCoalescer receiptCoalescer(ReceiptPublisher publisher, ReceiptStore store, ReceiptProperties properties,
            MeterRegistry meters) {
        return new ReceiptCoalescer(publisher::publish, store::endWindow, Schedulers.parallel(),
                properties.coalesceWindow(), properties.maxPending(), meters);
    }
}
