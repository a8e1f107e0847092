package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

class ChatUpgradeStrategyTest {

    private final ChatUpgradeStrategy strategy = new ChatUpgradeStrategy(null, null);

    @Test
    void aSessionKeepsItsUriWithoutTheQueryAndSessionsOfOneHostShareIt() {
        URI first = strategy.withoutQuery(URI.create("http://chat.example.com/ws?access_token=secret-one"));
        URI second = strategy.withoutQuery(URI.create("http://chat.example.com/ws?access_token=secret-two"));

        assertThat(first).hasToString("http://chat.example.com/ws").hasNoQuery();
        assertThat(second).isSameAs(first);
    }

    @Test
    void anotherHostOrPathGetsItsOwn() {
        URI first = strategy.withoutQuery(URI.create("http://a.example.com/ws"));
        URI other = strategy.withoutQuery(URI.create("http://b.example.com:8443/ws?access_token=t"));

        assertThat(first).hasToString("http://a.example.com/ws");
        assertThat(other).hasToString("http://b.example.com:8443/ws").isNotSameAs(first);
        assertThat(strategy.withoutQuery(URI.create("http://b.example.com:8443/ws"))).isSameAs(other);
    }
}
