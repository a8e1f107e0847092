package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.web.reactive.socket.WebSocketMessage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.JsonNode;

import dev.chat.shared.event.ChatSignal;
import dev.chat.shared.json.ChatJson;
import dev.chat.websocket.config.NodeIdentity;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.presence.PresenceSubscriptions;
import dev.chat.websocket.signal.SignalPublisher;
import dev.chat.websocket.sync.SyncService;

class ClientFrameHandlerTest {

    private static final String CONVERSATION = "7f1c0c3e-52a4-4b57-9d43-2d0b8f7f6a10";

    private final WebSocketProperties properties = properties("chat.ws.bad-frame-allowance", "2");
    private final NodeIdentity node = new NodeIdentity();
    private final SignalPublisher signals = mock(SignalPublisher.class);
    private final SyncService syncs = mock(SyncService.class);
    private final PresenceSubscriptions presence = mock(PresenceSubscriptions.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ClientFrameHandler handler = new ClientFrameHandler(properties, node, signals, syncs, presence, meters);
    private final ChatSession session = new ChatSession("s", "u", "token", Instant.now(),
            Instant.now().plusSeconds(60), 100);

    static WebSocketProperties properties(String key, String value) {
        MockEnvironment environment = new MockEnvironment().withProperty(key, value);
        return new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("chat.ws", WebSocketProperties.class);
    }

    private static WebSocketMessage text(String json) {
        return new WebSocketMessage(WebSocketMessage.Type.TEXT,
                DefaultDataBufferFactory.sharedInstance.wrap(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The frames queued to the session so far. */
    private List<JsonNode> sent(int count) {
        List<JsonNode> frames = new ArrayList<>();
        session.outbound().take(count)
                .map(f -> ChatJson.mapper().readTree(((OutboundFrame.Text) f).utf8Json()))
                .doOnNext(frames::add)
                .blockLast(Duration.ofSeconds(5));
        return frames;
    }

    @Test
    void badFramesBeyondTheAllowanceClose() {
        handler.handle(session, text("{\"type\":\"x\"}"));
        handler.handle(session, text("nope"));
        assertThat(session.isClosing()).isFalse();

        handler.handle(session, text("{\"type\":\"ack\",\"conversation_id\":\"not-a-uuid\",\"seq\":1}"));

        assertThat(session.closeStatus().getCode()).isEqualTo(1008);
        assertThat(sent(3)).extracting(f -> f.path("code").asString())
                .containsExactly("unknown_type", "malformed_frame", "invalid_frame");
    }

    @Test
    void aSessionOverItsFrameRateIsClosedWith1008AfterWhatIsQueuedAndCounted() {
        // one frame per second refilled: the five frames below are sent well within it, even on a slow machine
        MockEnvironment environment = new MockEnvironment().withProperty("chat.ws.frame-rate.burst", "3")
                .withProperty("chat.ws.frame-rate.per-second", "1");
        WebSocketProperties limited = new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("chat.ws", WebSocketProperties.class);
        ClientFrameHandler strict = new ClientFrameHandler(limited, node, signals, syncs, presence, meters);
        for (int i = 0; i < 3; i++) {
            strict.handle(session, text("{\"type\":\"ping\",\"ref\":" + i + "}"));
        }
        assertThat(session.isClosing()).isFalse();

        strict.handle(session, text("{\"type\":\"ping\",\"ref\":3}"));
        strict.handle(session, text("{\"type\":\"ping\",\"ref\":4}"));

        assertThat(session.closeStatus().getCode()).isEqualTo(1008);
        assertThat(session.closeStatus().getReason()).isEqualTo("rate limit exceeded");
        assertThat(session.isAborted()).as("queued frames still go out").isFalse();
        assertThat(sent(3)).extracting(f -> f.path("ref").asInt()).containsExactly(0, 1, 2);
        assertThat(meters.counter("chat.ws.frames.rate-limited").count()).isEqualTo(1.0);
    }

    @Test
    void ackReadAndTypingBecomeSignalsOfThisUserSessionAndNode() {
        handler.handle(session, text("{\"type\":\"ack\",\"conversation_id\":\"" + CONVERSATION + "\",\"seq\":7}"));
        handler.handle(session, text("{\"type\":\"read\",\"conversation_id\":\"" + CONVERSATION + "\",\"seq\":5}"));
        handler.handle(session, text("{\"type\":\"typing\",\"conversation_id\":\"" + CONVERSATION + "\",\"typing\":true}"));

        ArgumentCaptor<ChatSignal> captor = ArgumentCaptor.forClass(ChatSignal.class);
        verify(signals, times(3)).publish(captor.capture());
        assertThat(captor.getAllValues()).extracting(ChatSignal::type, ChatSignal::seq, ChatSignal::typing)
                .containsExactly(
                        tuple("ack", 7L, null),
                        tuple("read", 5L, null),
                        tuple("typing", null, true));
        assertThat(captor.getAllValues()).allSatisfy(signal -> {
            assertThat(signal.conversationId()).isEqualTo(UUID.fromString(CONVERSATION));
            assertThat(signal.userId()).isEqualTo("u");
            assertThat(signal.sessionId()).isEqualTo("s");
            assertThat(signal.nodeId()).isEqualTo(node.id());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"ack\",\"seq\":1}",
            "{\"type\":\"ack\",\"conversation_id\":\"" + CONVERSATION + "\"}",
            "{\"type\":\"ack\",\"conversation_id\":\"" + CONVERSATION + "\",\"seq\":\"3\"}",
            "{\"type\":\"ack\",\"conversation_id\":\"" + CONVERSATION + "\",\"seq\":1.5}",
            "{\"type\":\"ack\",\"conversation_id\":\"" + CONVERSATION + "\",\"seq\":-1}",
            "{\"type\":\"ack\",\"conversation_id\":42,\"seq\":1}",
            "{\"type\":\"read\",\"conversation_id\":\"1-2-3-4-5\",\"seq\":1}",
            "{\"type\":\"typing\",\"conversation_id\":\"" + CONVERSATION + "\"}",
            "{\"type\":\"typing\",\"conversation_id\":\"" + CONVERSATION + "\",\"typing\":\"yes\"}",
            "{\"type\":\"sync\",\"conversation_id\":\"" + CONVERSATION + "\"}",
            "{\"type\":\"sync\",\"conversation_id\":\"" + CONVERSATION + "\",\"after_seq\":0,\"after_change\":{}}",
            "{\"type\":\"sync\",\"conversation_id\":\"" + CONVERSATION + "\",\"after_seq\":0,\"after_change\":\"\"}",
            "{\"type\":\"presence.subscribe\"}",
            "{\"type\":\"presence.subscribe\",\"user_ids\":\"alice\"}",
            "{\"type\":\"presence.subscribe\",\"user_ids\":[\"alice\",7]}",
            "{\"type\":\"presence.subscribe\",\"user_ids\":[\"\"]}"})
    void wrongShapesAreInvalidFramesWithTheirRef(String frame) {
        handler.handle(session, text(frame.replaceFirst("\\{", "{\"ref\":\"r\",")));

        JsonNode error = sent(1).getFirst();
        assertThat(error.path("code").asString()).isEqualTo("invalid_frame");
        assertThat(error.path("ref").asString()).isEqualTo("r");
        verifyNoInteractions(signals, syncs, presence);
    }

    @Test
    void syncCarriesItsCursorAndRef() {
        handler.handle(session, text("{\"type\":\"sync\",\"conversation_id\":\"" + CONVERSATION
                + "\",\"after_seq\":12,\"after_change\":99,\"ref\":{\"n\":1}}"));
        handler.handle(session, text("{\"type\":\"sync\",\"conversation_id\":\"" + CONVERSATION
                + "\",\"after_seq\":0,\"after_change\":null}"));

        ArgumentCaptor<SyncService.SyncRequest> captor = ArgumentCaptor.forClass(SyncService.SyncRequest.class);
        verify(syncs, times(2)).request(eq(session), captor.capture());
        SyncService.SyncRequest first = captor.getAllValues().getFirst();
        assertThat(first.conversationId()).isEqualTo(UUID.fromString(CONVERSATION));
        assertThat(first.afterSeq()).isEqualTo(12);
        assertThat(first.afterChange()).isEqualTo("99");
        assertThat(first.ref().toString()).isEqualTo("{\"n\":1}");
        assertThat(captor.getAllValues().get(1).afterChange()).isNull();
    }

    @Test
    void moreThan500UserIdsAreRefusedWithoutCountingAsBadFrames() {
        String ids = String.join(",", IntStream.range(0, 501).mapToObj(i -> "\"u" + i + "\"").toList());
        for (int i = 0; i < 5; i++) {
            handler.handle(session, text("{\"type\":\"presence.subscribe\",\"ref\":" + i + ",\"user_ids\":[" + ids + "]}"));
        }

        assertThat(session.isClosing()).isFalse();
        assertThat(sent(5)).extracting(f -> f.path("code").asString()).containsOnly("too_many_user_ids");
        verify(presence, never()).subscribe(any(), anyList(), any());
    }

    @Test
    void framesInAreCountedByTypeWithABoundedTagSet() {
        handler.handle(session, text("{\"type\":\"ping\"}"));
        handler.handle(session, text("{\"type\":\"ping\"}"));
        handler.handle(session, text("{\"type\":\"whatever-" + UUID.randomUUID() + "\"}"));

        assertThat(meters.get("chat.ws.frames.in").tag("type", "ping").counter().count()).isEqualTo(2);
        assertThat(meters.get("chat.ws.frames.in").tag("type", "unknown").counter().count()).isEqualTo(1);
        assertThat(meters.find("chat.ws.frames.in").counters()).hasSize(8);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        WebSocketProperties defaults = properties("unrelated", "x");

        assertThat(defaults.heartbeat()).isEqualTo(Duration.ofSeconds(25));
        assertThat(defaults.heartbeatSeconds()).isEqualTo(25);
        assertThat(defaults.outboundBuffer()).isEqualTo(1024);
        assertThat(defaults.maxFramePayloadLength()).isEqualTo(64 * 1024);
        assertThat(defaults.badFrameAllowance()).isEqualTo(10);
        assertThat(defaults.messageServiceUri().toString()).isEqualTo("http://localhost:8081");
        assertThat(defaults.presence().heartbeat()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.sync().pageSize()).isEqualTo(200);
        assertThat(defaults.sync().maxQueued()).isEqualTo(32);
        assertThat(properties("chat.ws.heartbeat", "500ms").heartbeatSeconds()).isEqualTo(1);
    }
}
