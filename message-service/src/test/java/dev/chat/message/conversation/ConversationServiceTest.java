package dev.chat.message.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConversationServiceTest {

    @Test
    void directKeyIsTheSameWhoeverAsksAndNeverCollidesAcrossPairs() {
        assertThat(ConversationService.directKey("alice", "bob")).isEqualTo(ConversationService.directKey("bob", "alice"));
        // without the length prefix "ab"+"c" and "a"+"bc" would collide
        assertThat(ConversationService.directKey("ab", "c")).isNotEqualTo(ConversationService.directKey("a", "bc"));
    }
}
