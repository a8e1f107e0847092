package dev.chat.notification;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;

import dev.chat.notification.support.PushFakes;
import dev.chat.testsupport.AuthTestConfiguration;
import dev.chat.testsupport.KafkaTestConfiguration;
import dev.chat.testsupport.PostgresTestConfiguration;

/**
 * The running service on a random port with a real PostgreSQL, a real Kafka broker, WireMock as FCM and Pushy's
 * MockApnsServer as APNs. Every test class uses exactly this, so one Spring context (one Kafka Streams instance,
 * one consumer group) serves them all; tests use their own users, tokens and conversations.
 * Short grace period and backoffs keep the tests quick; nothing else differs from production.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "chat.push.grace-period=1s",
        "chat.push.tick=50ms",
        "chat.push.retry.max-attempts=3",
        "chat.push.retry.initial-backoff=100ms",
        "chat.push.retry.max-backoff=400ms",
        "chat.push.dead-letters.replay-interval=200ms",
        "spring.kafka.streams.application-id=chat-notification-it-${random.uuid}",
        "spring.kafka.streams.state-dir=${java.io.tmpdir}/chat-notification-it/${random.uuid}",
        "chat.push.badges-group=chat-notification-badges-it-${random.uuid}" })
@AutoConfigureWebTestClient(timeout = "30s")
@Import({ PostgresTestConfiguration.class, KafkaTestConfiguration.class, AuthTestConfiguration.class, PushFakes.class })
public @interface NotificationServiceIT {
}
