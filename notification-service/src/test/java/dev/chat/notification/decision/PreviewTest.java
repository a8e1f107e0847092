package dev.chat.notification.decision;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PreviewTest {

    @Test
    void shortContentIsShownWholeWithWhitespaceCollapsed() {
        assertThat(Preview.of("  hello\n\n  world ", 100)).isEqualTo(new Preview("hello world", false));
        assertThat(Preview.of(null, 100)).isEqualTo(new Preview("", false));
    }

    @Test
    void longContentIsCutAtACodePointNeverInsideASurrogatePair() {
        String emoji = "😀"; // two UTF-16 units, one code point
        Preview preview = Preview.of(emoji.repeat(150), 100);
        assertThat(preview.truncated()).isTrue();
        assertThat(preview.text().codePointCount(0, preview.text().length())).isEqualTo(100);
        assertThat(preview.text()).isEqualTo(emoji.repeat(100));
    }
}
