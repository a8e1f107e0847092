package dev.chat.shared.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.DatabindException;

class TextRulesTest {

    record Body(String content, List<String> ids) {
    }

    @Test
    void nulAndUnpairedSurrogatesAreRefusedEverythingElseIsText() {
        assertThat(TextRules.problem("plain, é, 汉字, 😀 👍🏽")).isNull();
        assertThat(TextRules.problem("a\u0000b")).contains("NUL");
        assertThat(TextRules.problem("lone \uD83D high")).contains("surrogate");
        assertThat(TextRules.problem("lone \uDE00 low")).contains("surrogate");
        assertThat(TextRules.problem("ends high \uD83D")).contains("surrogate");
        assertThat(TextRules.hasControlCharacter("bob\u0007")).isTrue();
        assertThat(TextRules.hasControlCharacter("bob")).isFalse();
    }

    @Test
    void theSharedJsonSettingsRefuseSuchTextInAnyStringAnywhere() {
        assertThat(ChatJson.mapper().readValue("{\"content\":\"fine\",\"ids\":[\"a\"]}", Body.class).content()).isEqualTo("fine");
        assertThatThrownBy(() -> ChatJson.mapper().readValue("{\"content\":\"a\\u0000b\"}", Body.class))
                .isInstanceOf(DatabindException.class).hasRootCauseInstanceOf(TextRules.InvalidTextException.class);
        assertThatThrownBy(() -> ChatJson.mapper().readValue("{\"ids\":[\"ok\",\"\\ud83d\"]}", Body.class))
                .hasRootCauseInstanceOf(TextRules.InvalidTextException.class);
        // Jackson's own coercions stay as they were: a number is text, an object is not
        assertThat(ChatJson.mapper().readValue("{\"content\":5}", Body.class).content()).isEqualTo("5");
        assertThatThrownBy(() -> ChatJson.mapper().readValue("{\"content\":{}}", Body.class))
                .isInstanceOf(DatabindException.class);
    }
}
