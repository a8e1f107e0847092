package dev.chat.message.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaProducerException;

class PublishFailureTest {

    @Test
    void recordsTheBrokerWillAlwaysRefuseArePermanent() {
        assertThat(PublishFailure.of(new RecordTooLargeException("too large")).permanent()).isTrue();
        assertThat(PublishFailure.of(new SerializationException("bad")).permanent()).isTrue();
        assertThat(PublishFailure.of(new TopicAuthorizationException("no ACL")).permanent()).isTrue();
    }

    @Test
    void anOutageOrATimeoutIsTransientAndSoIsAnythingUnknown() {
        assertThat(PublishFailure.of(new NetworkException("down")).permanent()).isFalse();
        assertThat(PublishFailure.of(new TimeoutException("slow")).permanent()).isFalse();
        assertThat(PublishFailure.of(new NotLeaderOrFollowerException("moving")).permanent()).isFalse();
        assertThat(PublishFailure.of(new IllegalStateException("who knows")).permanent()).isFalse();
    }

    @Test
    void theCauseIsFoundInsideSpringKafkasAndTheFuturesWrappers() {
        Throwable wrapped = new CompletionException(new KafkaProducerException(null, "Failed to send",
                new RecordTooLargeException("The message is 2000000 bytes")));
        PublishFailure failure = PublishFailure.of(wrapped);
        assertThat(failure.permanent()).isTrue();
        assertThat(failure.reason()).isEqualTo("RecordTooLargeException: The message is 2000000 bytes");
    }

    @Test
    void reasonsAreBounded() {
        assertThat(PublishFailure.of(new IllegalStateException("x".repeat(5000))).reason()).hasSizeLessThan(600);
    }

    @Test
    void permanentFailuresBackOffExponentiallyUpToTheMaximum() {
        OutboxProperties properties = new OutboxProperties(Duration.ofSeconds(1), 500, 4, Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofMillis(50), 5, Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        assertThat(properties.backoffAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.backoffAfter(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(properties.backoffAfter(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(properties.backoffAfter(4)).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.backoffAfter(40)).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.isLeaseLongEnough()).isTrue();
    }

    @Test
    void utf8LengthCountsBytesAsTheBrokerDoes() {
        for (String text : new String[] { "", "plain ascii", "é and ü", "汉字", "emoji 😀 and 👍🏽", "\u0000" }) {
            assertThat(Outbox.utf8Length(text)).as(text)
                    .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }
}
