package dev.chat.message.receipt;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Schedulers;

@Configuration(proxyBeanMethods = false)
class ReceiptConfiguration {

    /** Window ends run on Reactor's parallel scheduler: they only update a map and subscribe to a publish. */
    @Bean
    ReceiptCoalescer receiptCoalescer(ReceiptPublisher publisher, ReceiptProperties properties, MeterRegistry meters) {
        return new ReceiptCoalescer(publisher::publish, Schedulers.parallel(), properties.coalesceWindow(),
                properties.maxPending(), meters);
    }
}
