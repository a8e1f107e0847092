package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.chat.devstack.ChatStack;

/**
 * The push benchmark in its smoke form, for CI: the same stack (the images' JVM flags), the same slow fake
 * providers, seconds long at a small rate. It asserts correctness only (every push arrives exactly once), never speed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushBenchmarkSmokeIT {

    PushedStack pushed;
    PushFakes fakes;
    ChatStack stack;

    @BeforeAll
    void start() throws Exception {
        pushed = PushedStack.start("push-fakes-smoke");
        fakes = pushed.fakes();
        stack = pushed.stack();
    }

    @AfterAll
    void stop() throws Exception {
        if (pushed != null) {
            pushed.close();
        }
    }

    @Test
    void everyMessageIsPushedToBothDevicesOfItsRecipientExactlyOnce() throws Exception {
        PushLoad.Result result = new PushLoad(new PushLoad.Config(20, 50, Duration.ofSeconds(3), Duration.ZERO,
                Duration.ofSeconds(2), Duration.ofSeconds(60)), stack.serviceUrl("notification-service"),
                stack.kafkaBootstrapServers(), new Tokens(stack.jwtSecret()), fakes).run();
        assertThat(result.messages()).isGreaterThanOrEqualTo(140);
        assertThat(result.correct()).as("%s pushes of %s, %s duplicates, %s missing", result.pushes(),
                result.expectedPushes(), result.duplicates(), result.missing()).isTrue();
        assertThat(fakes.fcmPushes()).isEqualTo(result.messages());
        assertThat(fakes.apnsPushes()).isEqualTo(result.messages());
    }
}
