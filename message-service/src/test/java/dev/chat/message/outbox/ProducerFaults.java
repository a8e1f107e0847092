package dev.chat.message.outbox;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * Faults at the producer, as the Kafka client reports them: while {@link #OUTAGE} is on every send fails
 * as if the broker were unreachable (transient); a record whose value contains {@link #REFUSED} is
 * refused as the broker refuses a record above its {@code max.message.bytes} (permanent). The broker
 * itself is real and shared by every test of the JVM, so its topics are not changed for this.
 */
@TestConfiguration(proxyBeanMethods = false)
public class ProducerFaults {

    public static final AtomicBoolean OUTAGE = new AtomicBoolean();
    public static final AtomicReference<String> REFUSED = new AtomicReference<>();

    public static void clear() {
        OUTAGE.set(false);
        REFUSED.set(null);
    }

    @Bean
    static BeanPostProcessor faultyProducers() {
        return new BeanPostProcessor() {
            @Override
            @SuppressWarnings({ "unchecked", "rawtypes" })
            public Object postProcessAfterInitialization(Object bean, String name) {
                if (bean instanceof DefaultKafkaProducerFactory factory) {
                    factory.addPostProcessor(producer -> faulty((Producer<Object, Object>) producer));
                }
                return bean;
            }
        };
    }

    @SuppressWarnings("unchecked")
    static Producer<Object, Object> faulty(Producer<Object, Object> real) {
        return (Producer<Object, Object>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
                new Class<?>[] { Producer.class }, (proxy, method, args) -> {
                    if (method.getName().equals("send")) {
                        RuntimeException fault = fault((ProducerRecord<?, ?>) args[0]);
                        if (fault != null) {
                            if (args.length > 1 && args[1] instanceof Callback callback) {
                                callback.onCompletion(null, fault);
                            }
                            return CompletableFuture.failedFuture(fault);
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static RuntimeException fault(ProducerRecord<?, ?> record) {
        if (OUTAGE.get()) {
            return new NetworkException("simulated outage");
        }
        String refused = REFUSED.get();
        if (refused != null && String.valueOf(record.value()).contains(refused)) {
            return new RecordTooLargeException("The request included a message larger than the max message size the server will accept.");
        }
        return null;
    }
}
