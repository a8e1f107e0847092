package dev.chat.notification.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class JdkHttpTransportTest {

    @Test
    void onlyTheFcmHostIsSentToTheEndpoint() {
        JdkHttpTransport transport = new JdkHttpTransport("http://localhost:9999/", Duration.ofSeconds(1));
        assertThat(transport.rewrite("https://fcm.googleapis.com/v1/projects/p/messages:send"))
                .isEqualTo("http://localhost:9999/v1/projects/p/messages:send");
        assertThat(transport.rewrite("https://oauth2.googleapis.com/token")).isEqualTo("https://oauth2.googleapis.com/token");
        assertThat(transport.rewrite("https://fcm.googleapis.com.evil.example/x"))
                .isEqualTo("https://fcm.googleapis.com.evil.example/x");
        transport.shutdown();
    }

    @Test
    void withoutAnEndpointNothingIsRewritten() {
        JdkHttpTransport transport = new JdkHttpTransport(" ", Duration.ofSeconds(1));
        assertThat(transport.rewrite("https://fcm.googleapis.com/v1/x")).isEqualTo("https://fcm.googleapis.com/v1/x");
        transport.shutdown();
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        assertThat(FcmPushSender.parseRetryAfter("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(FcmPushSender.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(FcmPushSender.parseRetryAfter("soon")).isNull();
        assertThat(FcmPushSender.parseRetryAfter(null)).isNull();
    }
}
