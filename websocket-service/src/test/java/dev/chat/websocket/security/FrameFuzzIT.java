package dev.chat.websocket.security;

import static dev.chat.websocket.support.ChatEvents.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import tools.jackson.databind.JsonNode;

import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.TestTokens;
import dev.chat.websocket.config.WebSocketProperties;
import dev.chat.websocket.support.WebSocketTestBase;
import dev.chat.websocket.support.WsClient;

/**
 * Random frames to live sessions (seeded {@link Random}; {@code -Dfuzz.seed=}, {@code -Dfuzz.sessions=}): text
 * that is not JSON, JSON that is not an object, objects without a string type, unknown types, known types with a
 * missing or wrongly typed field (strings for numbers, huge integers, 1e400, fractions, negative numbers,
 * objects, ids that are no UUIDs, too long user ids), nesting beyond the parser's limit, binary frames, all with
 * random {@code ref}s (strings with escapes, numbers, objects, null), mixed with valid {@code ping}s, {@code ack}s
 * and {@code typing}s. Per session: every bad frame is answered, in order, by the {@code error} frame its kind
 * documents ({@code malformed_frame}, {@code unknown_type}, {@code invalid_frame}) echoing its {@code ref} where it
 * could be read, every ping by its pong, and the bad frame beyond the allowance closes the session with 1008. The
 * node stays up: afterwards a new session is served.
 */
class FrameFuzzIT extends WebSocketTestBase {

    private static final long SEED = Long.getLong("fuzz.seed", 20261202L);
    private static final int SESSIONS = Integer.getInteger("fuzz.sessions", 25);
    private static final List<String> KNOWN = List.of("ping", "ack", "read", "typing", "sync", "presence.subscribe");

    @Autowired
    WebSocketProperties properties;

    /** One frame to send, and what the node must answer: an error code, "pong", or nothing (null). */
    record Sent(String text, byte[] binary, String expectedCode, JsonNode ref, boolean counts) {
    }

    @Test
    void badFramesGetTheirDocumentedErrorsUntil1008AndTheNodeStaysUp() {
        Random random = new Random(SEED);
        int framesSent = 0;
        for (int s = 0; s < SESSIONS; s++) {
            List<Sent> plan = plan(random);
            try (WsClient client = WsClient.ready(port, TestTokens.token(user("fuzzer")))) {
                for (Sent sent : plan) {
                    if (sent.binary() != null) {
                        client.sendBinary(sent.binary());
                    } else {
                        client.send(sent.text());
                    }
                    framesSent++;
                }
                String what = "seed " + SEED + " session " + s + ": " + describe(plan);
                assertThat(client.awaitClose()).as(what).isEqualTo(1008);
                List<JsonNode> answers = client.frames().subList(1, client.frames().size());
                List<Sent> answered = plan.stream().filter(p -> p.expectedCode() != null).toList();
                assertThat(answers).as(what).hasSameSizeAs(answered);
                for (int i = 0; i < answered.size(); i++) {
                    Sent expected = answered.get(i);
                    JsonNode answer = answers.get(i);
                    String frame = what + " answer " + i + " " + answer;
                    if (expected.expectedCode().equals("pong")) {
                        assertThat(answer.path("type").asString()).as(frame).isEqualTo("pong");
                        assertThat(answer.get("ref")).as(frame).isEqualTo(orNull(expected.ref()));
                    } else {
                        assertThat(answer.path("type").asString()).as(frame).isEqualTo("error");
                        assertThat(answer.path("code").asString()).as(frame).isEqualTo(expected.expectedCode());
                        assertThat(answer.path("message").asString()).as(frame).isNotBlank();
                        assertThat(answer.get("ref")).as(frame).isEqualTo(orNull(expected.ref()));
                    }
                }
            }
        }
        assertThat(framesSent).isGreaterThan(SESSIONS * (properties.badFrameAllowance() + 1));

        try (WsClient after = WsClient.ready(port, TestTokens.token(user("afterwards")))) {
            after.send("{\"type\":\"ping\",\"ref\":\"still up\"}");
            assertThat(after.awaitFrame("pong").path("ref").asString()).isEqualTo("still up");
        }
    }

    /**
     * Found by this fuzzer: a {@code ref} (or a type) with an unpaired surrogate escape was echoed into an error or
     * pong frame that is not valid UTF-8 (the JDK client failed with "Malformed text message", browsers close with
     * 1007); an unknown type of 64+ characters was cut in the middle of a surrogate pair, with the same result.
     */
    @Test
    void everyAnswerIsValidUtf8() throws Exception {
        try (dev.chat.websocket.support.RawWebSocket ws = dev.chat.websocket.support.RawWebSocket.open(port,
                TestTokens.token(user("unicode")))) {
            assertThat(ws.answer().status()).isEqualTo(101);
            ws.readFrame(); // session.ready
            String[][] frames = {
                    {"{\"type\":\"ping\",\"ref\":\"\\ud800\"}", "malformed_frame"},
                    {"{\"type\":\"x\\udc00\",\"ref\":1}", "malformed_frame"},
                    {"{\"type\":\"ping\",\"ref\":{\"\\ud800\":1}}", "malformed_frame"},
                    {"{\"type\":\"" + "a".repeat(63) + "\ud83d\ude00\",\"ref\":2}", "unknown_type"},
                    {"{\"type\":\"ping\",\"ref\":\"\\ud83d\\ude00 \ud83d\ude00\"}", "pong"}};
            for (String[] frame : frames) {
                ws.sendText(frame[0]);
                byte[] payload = ws.readFrame().payload();
                String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(payload)).toString();
                JsonNode answer = ChatJson.mapper().readTree(text);
                assertThat(answer.path("type").asString().equals("pong") ? "pong" : answer.path("code").asString())
                        .as(frame[0] + " -> " + text).isEqualTo(frame[1]);
            }
        }
    }

    /** Random good frames and exactly allowance + 1 bad ones, the last one bad. */
    private List<Sent> plan(Random random) {
        List<Sent> plan = new ArrayList<>();
        int bad = 0;
        while (bad <= properties.badFrameAllowance()) {
            if (random.nextInt(4) == 0) {
                plan.add(good(random));
            } else {
                plan.add(bad(random));
                bad++;
            }
        }
        return plan;
    }

    private Sent good(Random random) {
        JsonNode ref = ChatJson.mapper().readTree(ref(random));
        String refField = ",\"ref\":" + ref;
        return switch (random.nextInt(3)) {
            case 0 -> new Sent("{\"type\":\"ping\"" + refField + "}", null, "pong", ref, false);
            case 1 -> new Sent("{\"type\":\"ack\",\"conversation_id\":\"" + UUID.randomUUID() + "\",\"seq\":"
                    + random.nextInt(1_000_000) + refField + ",\"extra\":" + ref(random) + "}", null, null, null, false);
            default -> new Sent("{\"typing\":" + random.nextBoolean() + ",\"type\":\"typing\",\"conversation_id\":\""
                    + UUID.randomUUID() + "\"}", null, null, null, false);
        };
    }

    private Sent bad(Random random) {
        String refText = ref(random);
        JsonNode ref = ChatJson.mapper().readTree(refText);
        String refField = random.nextBoolean() ? ",\"ref\":" + refText : "";
        JsonNode echoed = refField.isEmpty() ? null : ref;
        switch (random.nextInt(8)) {
            case 7: { // text that is not valid Unicode (an unpaired surrogate, escaped), anywhere
                String lone = pick(random, "\\ud800", "\\udfff", "x\\udc00\\ud800y");
                String text = pick(random, "{\"type\":\"ping\",\"ref\":\"" + lone + "\"}", "{\"type\":\"" + lone + "\"}",
                        "{\"type\":\"ack\",\"conversation_id\":\"" + lone + "\",\"seq\":1}",
                        "{\"type\":\"ping\",\"" + lone + "\":1}", "{\"type\":\"ping\",\"ref\":[{\"a\":\"" + lone + "\"}]}");
                return new Sent(text, null, "malformed_frame", null, true);
            }
            case 0: { // not JSON
                String text = pick(random, "{", "}", "{not json", "[1,", "\"unterminated", "nul", "{\"type\":\"ping\",}",
                        "{'type':'ping'}", "\\u0000", "{\"type\":\"ping\"} trailing", " ", "{\"type\":\"ping\"\"ref\":1}",
                        "\u202e{\"type\":\"ping\"}", "0x1F", "NaN");
                return new Sent(text, null, "malformed_frame", null, true);
            }
            case 1: // JSON, not an object
                return new Sent(pick(random, "[]", "[{\"type\":\"ping\"}]", "1", "-0.5", "1e400", "\"ping\"", "null",
                        "true", "123456789012345678901234567890"), null, "malformed_frame", null, true);
            case 2: { // an object without a string type
                String type = pick(random, "", ",\"type\":null", ",\"type\":1", ",\"type\":[\"ping\"]",
                        ",\"type\":{\"x\":1}", ",\"type\":\"\"", ",\"type\":\"   \"", ",\"type\":true", ",\"TYPE\":\"ping\"");
                return new Sent("{\"x\":1" + type + refField + "}", null, "malformed_frame", orNull(echoed), true);
            }
            case 3: { // an unknown type
                String type;
                do {
                    type = pick(random, "pong", "PING", "Ping", " ping", "ping ", "message.created", "send", "ack\\u0000",
                            "presence.unsubscribe", "a".repeat(63) + "\ud83d\ude00", "\u05e9\u05dc\u05d5\u05dd", "a".repeat(1 + random.nextInt(3000)),
                            "sync.done", "error", "__proto__", "constructor");
                } while (KNOWN.contains(type));
                return new Sent("{\"type\":\"" + type + "\"" + refField + "}", null, "unknown_type", orNull(echoed), true);
            }
            case 4: // a known type with a missing or wrong field
                return new Sent(invalid(random, refField), null, "invalid_frame", orNull(echoed), true);
            case 5: { // nested beyond the parser's limit (1000): not readable JSON
                int depth = 1_001 + random.nextInt(4_000);
                return new Sent("{\"type\":\"ping\",\"ref\":" + "[".repeat(depth) + "]".repeat(depth) + "}", null,
                        "malformed_frame", null, true);
            }
            default: { // binary
                byte[] bytes = new byte[random.nextInt(200)];
                random.nextBytes(bytes);
                if (random.nextBoolean()) {
                    bytes = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
                }
                return new Sent(null, bytes, "malformed_frame", null, true);
            }
        }
    }

    private static JsonNode orNull(JsonNode ref) {
        return ref == null ? ChatJson.mapper().nullNode() : ref;
    }

    private String invalid(Random random, String refField) {
        String uuid = "\"" + UUID.randomUUID() + "\"";
        String badSeq = pick(random, "\"3\"", "1.5", "-1", "1e400", "123456789012345678901234567890",
                "9223372036854775808", "true", "null", "{}", "[1]", "\"\"", "-9223372036854775809", "1e2", "0.0");
        String badId = pick(random, "42", "null", "\"not-a-uuid\"", "\"1-2-3-4-5\"", "[" + uuid + "]", "{}",
                "\"" + UUID.randomUUID().toString().replace("-", "") + "\"", "\"" + UUID.randomUUID() + "x\"", "\"\"",
                "\" " + UUID.randomUUID() + "\"", "true");
        String badBool = pick(random, "\"true\"", "1", "0", "null", "[]", "{}", "\"yes\"");
        return switch (random.nextInt(9)) {
            case 0 -> "{\"type\":\"ack\",\"conversation_id\":" + uuid + ",\"seq\":" + badSeq + refField + "}";
            case 1 -> "{\"type\":\"read\",\"conversation_id\":" + badId + ",\"seq\":1" + refField + "}";
            case 2 -> "{\"type\":\"ack\"" + refField + "}";
            case 3 -> "{\"type\":\"typing\",\"conversation_id\":" + uuid + ",\"typing\":" + badBool + refField + "}";
            case 4 -> "{\"type\":\"sync\",\"conversation_id\":" + uuid + ",\"after_seq\":" + badSeq + refField + "}";
            case 5 -> "{\"type\":\"sync\",\"conversation_id\":" + uuid + ",\"after_seq\":0,\"after_change\":"
                    + pick(random, "{}", "[]", "-1", "1.5", "\"\"", "\"   \"", "\"" + "c".repeat(513) + "\"", "true") + refField + "}";
            case 6 -> "{\"type\":\"presence.subscribe\",\"user_ids\":" + pick(random, "\"alice\"", "null", "{}", "1",
                    "[1]", "[\"\"]", "[null]", "[\"" + "u".repeat(129) + "\"]", "[[\"bob\"]]") + refField + "}";
            case 7 -> "{\"type\":\"presence.subscribe\"" + refField + "}";
            default -> "{\"type\":\"sync\",\"conversation_id\":" + badId + ",\"after_seq\":0" + refField + "}";
        };
    }

    private static String ref(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> "null";
            case 1 -> String.valueOf(random.nextInt());
            case 2 -> "\"r-" + random.nextInt(1000) + "\"";
            case 3 -> "\"\\u0000 \\u202e \\\\ \\\" \ud83d\ude00 \\ud83d\\ude00\"";
            case 4 -> "{\"a\":[1,2,{\"b\":null}]}";
            case 5 -> pick(random, "123456789012345678901234567890", "1.25", "-0", "true", "[]");
            case 6 -> "\"" + "x".repeat(random.nextInt(2000)) + "\"";
            default -> "\"" + UUID.randomUUID() + "\"";
        };
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... options) {
        return options[random.nextInt(options.length)];
    }

    private static String describe(List<Sent> plan) {
        StringBuilder text = new StringBuilder();
        for (Sent sent : plan) {
            String frame = sent.binary() != null ? "<binary " + sent.binary().length + ">" : sent.text();
            text.append(frame.length() > 120 ? frame.substring(0, 120) + "..." : frame).append(" | ");
        }
        return text.toString();
    }
}
