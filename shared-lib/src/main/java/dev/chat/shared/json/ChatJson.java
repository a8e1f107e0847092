package dev.chat.shared.json;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.deser.std.StdScalarDeserializer;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The JSON settings every service and every event share (API.md "General rules"): snake_case
 * names, unknown fields ignored, every field written (null when empty), timestamps as ISO-8601
 * UTC with exactly three fraction digits ({@code 2026-11-21T12:00:00.123Z}).
 */
public final class ChatJson {

    /** {@code 2026-11-21T12:00:00.123Z}: always UTC, always milliseconds. */
    public static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final JsonMapper MAPPER = configure(JsonMapper.builder()).build();

    private ChatJson() {
    }

    /** Applies the shared settings to a builder (Boot's, through a customizer, or a fresh one). */
    public static JsonMapper.Builder configure(JsonMapper.Builder builder) {
        return builder
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .changeDefaultPropertyInclusion(incl -> incl
                        .withValueInclusion(JsonInclude.Include.ALWAYS)
                        .withContentInclusion(JsonInclude.Include.ALWAYS))
                .addModule(timestampModule())
                .addModule(textModule());
    }

    /** A mapper with the shared settings, for code outside a Spring context (Kafka payloads, tests). */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** Timestamps are stored and shown with millisecond precision. */
    public static Instant truncate(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS);
    }

    /** Every string read from JSON must pass {@link TextRules} (no NUL, no unpaired surrogates). */
    private static SimpleModule textModule() {
        return new SimpleModule("chat-text").addDeserializer(String.class, new StdScalarDeserializer<String>(String.class) {
            @Override
            public String deserialize(JsonParser p, DeserializationContext ctxt) {
                // Jackson's own rules (scalars coerced to text, arrays and objects refused), then ours
                String text = StringDeserializer.instance.deserialize(p, ctxt);
                String problem = text == null ? null : TextRules.problem(text);
                if (problem != null) {
                    throw new TextRules.InvalidTextException("text " + problem);
                }
                return text;
            }
        });
    }

    private static SimpleModule timestampModule() {
        return new SimpleModule("chat-timestamps").addSerializer(Instant.class, new ValueSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator gen, SerializationContext ctxt) {
                gen.writeString(TIMESTAMP.format(value));
            }
        });
    }
}
