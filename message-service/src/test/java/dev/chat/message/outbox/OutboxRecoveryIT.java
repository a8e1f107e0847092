package dev.chat.message.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.NetworkException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.shared.event.ChatEvent;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.ChatInfra;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Durable before visible: while publishing to Kafka fails, sends still succeed and their events
 * wait in the outbox; once publishing works again, every one of them is published, in order.
 * (The broker is real; the outage is made at the producer. The end-to-end suite stops the broker
 * process itself.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "chat.outbox.sweep-interval=200ms")
@AutoConfigureWebTestClient(timeout = "30s")
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class,
        OutboxRecoveryIT.Outage.class })
class OutboxRecoveryIT {

    @Autowired
    WebTestClient client;

    @Autowired
    DatabaseClient db;

    @Autowired
    MeterRegistry meters;

    @AfterEach
    void endOutage() {
        Outage.ON.set(false);
    }

    @Test
    void sendsMadeWhilePublishingFailsArePublishedInOrderOnceItWorksAgain() {
        Api api = new Api(client);
        String alice = Api.user("alice");
        UUID conversation = api.direct(alice, Api.user("bob"));
        try (ChatEventsProbe probe = new ChatEventsProbe(ChatInfra.kafka().bootstrapServers(), false)) {
            double failuresBefore = meters.counter("chat.outbox.failures").count();
            Outage.ON.set(true);
            for (int i = 1; i <= 5; i++) {
                assertThat(api.send(alice, conversation, "during the outage " + i).get("seq").asLong()).isEqualTo(i);
            }
            // the relay tried, failed, and kept every event
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> meters.counter("chat.outbox.failures").count() > failuresBefore);
            assertThat(pendingFor(conversation)).isEqualTo(5);
            assertThat(probe.eventsOf(conversation)).isEmpty();

            Outage.ON.set(false);

            await().atMost(Duration.ofSeconds(30)).until(() -> probe.eventsOf(conversation).size() >= 5);
            List<ChatEvent> events = probe.eventsOf(conversation);
            assertThat(events).extracting(ChatEvent::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 5).boxed().toList());
            await().atMost(Duration.ofSeconds(10)).until(() -> pendingFor(conversation) == 0);
        }
    }

    private long pendingFor(UUID conversation) {
        return db.sql("SELECT count(*) FROM outbox WHERE event_key = :key").bind("key", conversation.toString())
                .map(row -> row.get(0, Long.class)).one().block();
    }

    /** While ON, every producer send fails as if the broker were unreachable. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Outage {

        static final AtomicBoolean ON = new AtomicBoolean();

        @Bean
        static BeanPostProcessor failingProducers() {
            return new BeanPostProcessor() {
                @Override
                @SuppressWarnings({ "unchecked", "rawtypes" })
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (bean instanceof DefaultKafkaProducerFactory factory) {
                        factory.addPostProcessor(producer -> failing((Producer<Object, Object>) producer));
                    }
                    return bean;
                }
            };
        }

        @SuppressWarnings("unchecked")
        static Producer<Object, Object> failing(Producer<Object, Object> real) {
            return (Producer<Object, Object>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
                    new Class<?>[] { Producer.class }, (proxy, method, args) -> {
                        if (ON.get() && method.getName().equals("send")) {
                            NetworkException down = new NetworkException("simulated outage");
                            if (args.length > 1 && args[1] instanceof Callback callback) {
                                callback.onCompletion(null, down);
                            }
                            return CompletableFuture.failedFuture(down);
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
