package dev.chat.websocket.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.chat.websocket.support.ChatEvents.message;
import static dev.chat.websocket.support.ChatEvents.messageWithContent;
import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import dev.chat.shared.event.ChatEvent;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.session.SessionRegistry;
import dev.chat.websocket.support.RawWebSocket;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * A large group's fan-out: one task per event loop writing to the members' channels directly, and the
 * session's sink for everything else. Enough members (20) that every loop gets several and the payload buffer
 * is shared (from 16), with small-conversation frames interleaved on the same sessions, so that both paths
 * carry frames to one session at once; and a member that reads nothing.
 */
@TestPropertySource(properties = "chat.ws.outbound-buffer=64")
class LargeGroupFanOutIT extends WebSocketTestBase {

    private static final int MEMBERS = 20;
    private static final int MESSAGES = 40;

    @Autowired
    LargeGroupSubscriptions subscriptions;

    @Autowired
    SessionRegistry registry;

    @Test
    void everyMemberGetsEveryGroupMessageOnceInOrderInterleavedWithItsSmallConversations() {
        UUID group = UUID.randomUUID();
        UUID small = UUID.randomUUID();
        List<String> users = IntStream.range(0, MEMBERS).mapToObj(i -> user("member" + i)).toList();
        List<WsClient> devices = users.stream().map(user -> member(user, group)).toList();
        await().atMost(WsClient.TIMEOUT).until(() -> subscriptions.loadingCount() == 0);
        String[] recipients = users.toArray(String[]::new);

        List<ChatEvent> interleaved = new ArrayList<>();
        for (long seq = 1; seq <= MESSAGES; seq++) {
            interleaved.add(message(group, seq, "owner").toWholeConversation(List.of(), List.of()));
            // to every member through the sink path, in between the group's frames
            interleaved.add(message(small, seq, "owner", recipients));
        }
        events.sendAll(interleaved);

        List<Long> expected = LongStream.rangeClosed(1, MESSAGES).boxed().toList();
        for (WsClient device : devices) {
            await().atMost(WsClient.TIMEOUT).until(() -> device.frames("message.created").size() >= 2 * MESSAGES);
            Map<String, List<Long>> byConversation = device.frames("message.created").stream()
                    .collect(Collectors.groupingBy(f -> f.path("message").path("conversation_id").asString(),
                            Collectors.mapping(f -> f.path("message").path("seq").asLong(), Collectors.toList())));
            assertThat(byConversation.get(group.toString())).as("the group's messages").isEqualTo(expected);
            assertThat(byConversation.get(small.toString())).as("the small conversation's").isEqualTo(expected);
            assertThat(device.frames().getFirst().path("type").asString()).isEqualTo("session.ready");
        }
        assertThat(devices.stream().mapToInt(d -> d.frames("message.created").size()).sum())
                .isEqualTo(MEMBERS * 2 * MESSAGES);
    }

    @Test
    void aMemberThatReadsNothingIsClosedPerItsBoundAndTheOthersGetEverything() {
        UUID group = UUID.randomUUID();
        String slowUser = user("slow");
        List<String> users = IntStream.range(0, MEMBERS).mapToObj(i -> user("reader" + i)).toList();
        List<WsClient> readers = users.stream().map(user -> member(user, group)).toList();
        stubLargeConversations(TestTokens.token(slowUser), group);
        RawWebSocket slow = track(RawWebSocket.open(port, "/ws",
                Map.of("Authorization", "Bearer " + TestTokens.token(slowUser)), 4096));
        assertThat(slow.answer().status()).isEqualTo(101);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(slowUser).size() == 1
                && subscriptions.loadingCount() == 0);
        var session = registry.sessionsOf(slowUser).getFirst();
        String big = "x".repeat(16 * 1024);
        AtomicLong seq = new AtomicLong();

        // the slow member reads nothing: its socket buffers fill, then its bounded queue overflows
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            events.sendAll(IntStream.range(0, 10)
                    .mapToObj(i -> messageWithContent(group, seq.incrementAndGet(), "owner", big)
                            .toWholeConversation(List.of(), List.of()))
                    .toList());
            return session.isClosing();
        });
        long sent = seq.get();
        assertThat(slow.readUntilClose()).isEqualTo(1013);
        await().atMost(WsClient.TIMEOUT).until(() -> registry.sessionsOf(slowUser).isEmpty());

        List<Long> expected = LongStream.rangeClosed(1, sent).boxed().toList();
        for (WsClient reader : readers) {
            await().atMost(WsClient.TIMEOUT).until(() -> reader.frames("message.created").size() >= sent);
            assertThat(reader.frames("message.created")).extracting(f -> f.path("message").path("seq").asLong())
                    .isEqualTo(expected);
            assertThat(reader.isClosed()).isFalse();
        }
        assertThat(Set.copyOf(readers.stream().map(r -> r.frames("message.created").size()).toList()))
                .containsExactly((int) sent);
    }

    private WsClient member(String user, UUID group) {
        String token = TestTokens.token(user);
        stubLargeConversations(token, group);
        return track(WsClient.ready(port, token));
    }

    private static void stubLargeConversations(String token, UUID group) {
        messageService().stubFor(get(urlPathEqualTo("/api/v1/large-conversations"))
                .withHeader("Authorization", equalTo("Bearer " + token))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"conversation_ids\":[\"" + group + "\"]}")));
    }
}
