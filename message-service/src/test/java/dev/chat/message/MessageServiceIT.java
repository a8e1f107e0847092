package dev.chat.message;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;

import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;

/** The running service on a random port, with a real PostgreSQL and a real Kafka broker. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
// the send limit stays on (every send runs its statement) but far above what tests send; ReplicasIT tests
// the contract's numbers. Admission too: bursts of a test (50 concurrent sends) wait their turn instead of
// being shed on a slow CI machine; AdmissionIT sets small limits of its own
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.messages.rate-limit.capacity=100000", "chat.messages.rate-limit.refill-per-second=100000",
        "chat.admission.max-waiting=1000", "chat.admission.max-wait=10s" })
@AutoConfigureWebTestClient(timeout = "30s") // a cold first request on a busy 2-core CI machine can take seconds
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class })
public @interface MessageServiceIT {
}
