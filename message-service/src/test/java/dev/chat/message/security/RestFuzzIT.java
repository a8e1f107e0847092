package dev.chat.message.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.chat.message.Api;
import dev.chat.message.MessageServiceIT;
import dev.chat.shared.json.ChatJson;
import dev.chat.testsupport.TestTokens;
import tools.jackson.databind.JsonNode;

/**
 * Random input against every endpoint that takes a body or parameters (seeded {@link java.util.Random}: the same
 * run every time; {@code -Dfuzz.seed=} for another, {@code -Dfuzz.tries=} for more): random JSON bodies (any type
 * for any field, missing and extra fields, NUL, lone surrogates, RTL marks, emoji, strings up to 20,000
 * characters, huge and fractional numbers, nesting up to 2,000 levels), random path ids and query parameters.
 * The properties: never a 5xx; every 4xx is problem+json with a non-empty {@code code}; the conversation of
 * other users (carol's group, with a message only its members may read) is never answered 2xx and its content
 * never appears in any answer.
 */
@MessageServiceIT
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestFuzzIT {

    private static final long SEED = Long.getLong("fuzz.seed", 20261202L);
    private static final int TRIES = Integer.getInteger("fuzz.tries", 200);
    private static final String SECRET = "carol's secret plan";

    @Autowired
    WebTestClient client;

    @org.springframework.boot.test.web.server.LocalServerPort
    int port;

    Api api;
    String alice;
    String bob;
    UUID mine;
    UUID carols;
    UUID carolsMessage;

    @BeforeAll
    void setUp() {
        api = new Api(client);
        alice = Api.user("alice");
        bob = Api.user("bob");
        mine = api.group(alice, bob);
        api.send(alice, mine, "hello");
        String carol = Api.user("carol");
        carols = api.group(carol, Api.user("dave"));
        carolsMessage = UUID.fromString(api.send(carol, carols, SECRET).get("id").asString());
    }

    record Call(HttpMethod method, String path, String body) {
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "create conversation", "send message", "add participants", "settings", "receipts",
            "rename", "edit message", "presence query", "history and sync params", "ids in paths" })
    void randomInputIsNeverA5xxAlwaysAProblemWithACodeAndNeverOthersData(String endpoint) {
        Random random = new Random(SEED ^ endpoint.hashCode());
        Fuzz fuzz = new Fuzz(random);
        for (int i = 0; i < TRIES; i++) {
            UUID conversation = random.nextInt(3) == 0 ? carols : mine;
            Call call = switch (endpoint) {
                case "create conversation" -> new Call(HttpMethod.POST, "/api/v1/conversations",
                        fuzz.body(List.of("type", "participant_ids", "title"), () -> fuzz.pick("direct", "group"),
                                () -> fuzz.pick("[\"" + bob + "\"]", "[\"" + Api.user("x") + "\",\"" + bob + "\"]")));
                case "send message" -> new Call(HttpMethod.POST, "/api/v1/messages",
                        fuzz.body(List.of("conversation_id", "client_message_id", "type", "content", "attachments",
                                "reply_to_id", "mentions"), () -> fuzz.quoted(conversation.toString()),
                                () -> fuzz.quoted("hi")));
                case "add participants" -> new Call(HttpMethod.POST, "/api/v1/conversations/" + conversation + "/participants",
                        fuzz.body(List.of("user_ids"), () -> "[\"" + Api.user("new") + "\"]", () -> "[]"));
                case "settings" -> new Call(HttpMethod.PUT, "/api/v1/conversations/" + conversation + "/settings",
                        fuzz.body(List.of("muted_until", "notify"), () -> fuzz.quoted("2030-01-01T00:00:00.000Z"),
                                () -> fuzz.pick("\"all\"", "\"mentions\"", "\"none\"", "null")));
                case "receipts" -> new Call(HttpMethod.POST, "/api/v1/conversations/" + conversation + "/receipts",
                        fuzz.body(List.of("delivered_seq", "read_seq"), () -> String.valueOf(random.nextInt(3)),
                                () -> "1"));
                case "rename" -> new Call(HttpMethod.PATCH, "/api/v1/conversations/" + conversation,
                        fuzz.body(List.of("title"), () -> fuzz.quoted("new title"), () -> "null"));
                case "edit message" -> new Call(HttpMethod.PATCH, "/api/v1/messages/"
                        + (conversation == carols ? carolsMessage : UUID.randomUUID()),
                        fuzz.body(List.of("content"), () -> fuzz.quoted("edited"), () -> fuzz.quoted("")));
                case "presence query" -> new Call(HttpMethod.POST, "/api/v1/presence/query",
                        fuzz.body(List.of("user_ids"), () -> "[\"" + bob + "\"]", () -> "[]"));
                case "history and sync params" -> new Call(HttpMethod.GET, "/api/v1/conversations/" + conversation
                        + fuzz.pick("/messages", "/sync", "/participants", "") + fuzz.query(
                        List.of("after_seq", "before_seq", "limit", "after_change", "cursor")), null);
                case "ids in paths" -> new Call(fuzz.pick(HttpMethod.GET, HttpMethod.DELETE, HttpMethod.PATCH),
                        fuzz.pick("/api/v1/conversations/", "/api/v1/messages/") + fuzz.pathId(conversation, carolsMessage)
                        + fuzz.pick("", "/receipts", "/participants/" + fuzz.pathSegment(), "/messages", "/settings"),
                        random.nextBoolean() ? null : "{}");
                default -> throw new IllegalArgumentException(endpoint);
            };
            check(call, i, conversation == carols);
        }
    }

    private void check(Call call, int i, boolean othersConversation) {
        String caller = alice;
        WebTestClient.RequestBodySpec request = client.method(call.method()).uri(java.net.URI.create("http://localhost:" + port + call.path()))
                .headers(h -> h.setBearerAuth(TestTokens.token(caller)));
        EntityExchangeResult<byte[]> result = (call.body() == null ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(call.body().getBytes(StandardCharsets.UTF_8)).exchange())
                .expectBody(byte[].class).returnResult();
        int status = result.getStatus().value();
        String body = result.getResponseBody() == null ? "" : new String(result.getResponseBody(), StandardCharsets.UTF_8);
        String what = "seed " + SEED + " try " + i + ": " + call.method() + " " + call.path() + " "
                + shorten(call.body()) + " -> " + status + " " + shorten(body);
        assertThat(status).as(what).isLessThan(500);
        assertThat(body).as(what).doesNotContain(SECRET);
        if (status >= 400) {
            assertThat(result.getResponseHeaders().getContentType()).as(what).isNotNull();
            assertThat(result.getResponseHeaders().getContentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .as(what).isTrue();
            JsonNode problem = ChatJson.mapper().readTree(body);
            assertThat(problem.path("code").asString()).as(what).isNotBlank();
            assertThat(problem.path("status").asInt()).as(what).isEqualTo(status);
        } else if (othersConversation && !call.path().startsWith("/api/v1/presence")
                && !call.path().equals("/api/v1/conversations")) {
            throw new AssertionError("another user's conversation answered " + status + ": " + what);
        }
    }

    private static String shorten(String text) {
        if (text == null) {
            return "(no body)";
        }
        return text.length() <= 300 ? text : text.substring(0, 300) + "...(" + text.length() + " chars)";
    }

    /** Random JSON text and URL parts. */
    static final class Fuzz {

        private static final String[] ODD = { "\\u0000", "\\ud800", "\\udfff", "\\udc00\\ud800", "\u202e", "\u200f",
                "\ud83d\ude00", "\u0301", "\ufeff", "\\n", "\\\"", "\\\\", "%00", "'; DROP TABLE messages; --", "<script>",
                "${jndi:ldap://x}", "\u0000".replace("\u0000", "\\u0000") + "x", " ", "" };

        private final Random random;

        Fuzz(Random random) {
            this.random = random;
        }

        @SafeVarargs
        final <T> T pick(T... options) {
            return options[random.nextInt(options.length)];
        }

        String quoted(String text) {
            return "\"" + text + "\"";
        }

        /**
         * An object with the given fields: each missing, valid (from the suppliers, for the first two fields), or
         * any random value; sometimes extra fields, sometimes not an object at all.
         */
        String body(List<String> fields, Supplier<String> firstValid, Supplier<String> secondValid) {
            switch (random.nextInt(20)) {
                case 0:
                    return value(0);
                case 1:
                    return deep(1 + random.nextInt(2000));
                case 2:
                    return "{\"" + fields.getFirst() + "\":" + value(0); // truncated
                default:
                    break;
            }
            StringBuilder json = new StringBuilder("{");
            boolean first = true;
            for (int f = 0; f < fields.size(); f++) {
                int choice = random.nextInt(4);
                if (choice == 0) {
                    continue; // missing
                }
                String value = choice == 1 && f == 0 ? firstValid.get()
                        : choice == 1 && f == 1 ? secondValid.get() : value(0);
                json.append(first ? "" : ",").append('"').append(fields.get(f)).append("\":").append(value);
                first = false;
            }
            int extra = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
            for (int e = 0; e < extra; e++) {
                json.append(first ? "" : ",").append(string()).append(':').append(value(0));
                first = false;
            }
            if (random.nextInt(15) == 0 && !first) {
                // the same field twice
                json.append(",\"").append(fields.getFirst()).append("\":").append(value(0));
            }
            return json.append('}').toString();
        }

        String value(int depth) {
            int kind = random.nextInt(depth > 3 ? 6 : 8);
            return switch (kind) {
                case 0 -> "null";
                case 1 -> random.nextBoolean() ? "true" : "false";
                case 2 -> number();
                case 3, 4, 5 -> string();
                case 6 -> {
                    StringBuilder array = new StringBuilder("[");
                    int n = random.nextInt(5);
                    for (int i = 0; i < n; i++) {
                        array.append(i == 0 ? "" : ",").append(value(depth + 1));
                    }
                    yield array.append(']').toString();
                }
                default -> {
                    StringBuilder object = new StringBuilder("{");
                    int n = random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        object.append(i == 0 ? "" : ",").append(string()).append(':').append(value(depth + 1));
                    }
                    yield object.append('}').toString();
                }
            };
        }

        String number() {
            return pick("0", "-0", "1", "-1", "1.5", "1e308", "-1e308", "1e-400", "9223372036854775807",
                    "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "2147483648",
                    String.valueOf(random.nextLong()), String.valueOf(random.nextDouble()), "0.0", "1E2");
        }

        String string() {
            StringBuilder text = new StringBuilder("\"");
            int parts = random.nextInt(6);
            for (int i = 0; i < parts; i++) {
                int kind = random.nextInt(6);
                if (kind == 0) {
                    text.append(pick(ODD));
                } else if (kind == 1) {
                    text.append(pick("a", "\u05d0", "\u0627", "\u4e2d", "x").repeat(1 + random.nextInt(random.nextInt(10) == 0 ? 20_000 : 50)));
                } else if (kind == 2) {
                    text.append(UUID.randomUUID());
                } else {
                    // random BMP characters, JSON-escaped where needed
                    int n = 1 + random.nextInt(12);
                    for (int c = 0; c < n; c++) {
                        char ch = (char) random.nextInt(0x10000);
                        if (ch < 0x20 || ch == '"' || ch == '\\' || Character.isSurrogate(ch)) {
                            text.append(String.format("\\u%04x", (int) ch));
                        } else {
                            text.append(ch);
                        }
                    }
                }
            }
            return text.append('"').toString();
        }

        String deep(int levels) {
            String open = random.nextBoolean() ? "[" : "{\"a\":";
            String close = open.equals("[") ? "]" : "}";
            return "{\"x\":" + open.repeat(levels) + "1" + close.repeat(levels) + "}";
        }

        String query(List<String> names) {
            StringBuilder query = new StringBuilder();
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                query.append(i == 0 ? "?" : "&").append(random.nextInt(8) == 0 ? "zzz" : pick(names.toArray(String[]::new)))
                        .append('=').append(queryValue());
            }
            return query.toString();
        }

        String queryValue() {
            return pick("0", "-1", "1", "200", "201", "99999999999999999999", "1.5", "abc", "", "%20", "%E2%80%AE",
                    "%F0%9F%98%80", "null", "true", "1e3", "0x10", "+1", "%2B1", "a".repeat(1000),
                    String.valueOf(random.nextLong()), UUID.randomUUID().toString());
        }

        String pathId(UUID own, UUID others) {
            return pick(own.toString(), others.toString(), UUID.randomUUID().toString(), "not-a-uuid", "0", "-1",
                    "00000000-0000-0000-0000-000000000000", own.toString().toUpperCase(), own + "x",
                    own.toString().replace("-", ""), "%E2%80%AE", "a".repeat(300), "..", "%2e%2e", "null", "%20",
                    "1-2-3-4-5");
        }

        String pathSegment() {
            return pick("bob", "%00", "a".repeat(200), "%F0%9F%98%80", "%ED%A0%80", "..", "%09", "x%20y", "%2e");
        }
    }
}
