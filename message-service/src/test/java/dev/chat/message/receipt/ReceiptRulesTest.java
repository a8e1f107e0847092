package dev.chat.message.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.chat.shared.event.Recipient;

/** Statuses from watermarks, and who receives receipt.updated. */
class ReceiptRulesTest {

    final Instant created = Instant.parse("2026-11-21T12:00:00.000Z");
    final Instant delivered = Instant.parse("2026-11-21T12:00:01.000Z");
    final Instant read = Instant.parse("2026-11-21T12:00:02.000Z");
    final ReceiptStore.MessageRef message = new ReceiptStore.MessageRef(UUID.randomUUID(), 5, "alice", created);

    @Test
    void statusComesFromTheWatermarksAgainstTheMessagesSeq() {
        assertThat(ReceiptService.receipt(message, watermarks("bob", 4, 0)))
                .isEqualTo(new MessageReceipt("bob", "sent", null));
        assertThat(ReceiptService.receipt(message, watermarks("bob", 5, 4)))
                .isEqualTo(new MessageReceipt("bob", "delivered", delivered));
        assertThat(ReceiptService.receipt(message, watermarks("bob", 9, 5)))
                .isEqualTo(new MessageReceipt("bob", "read", read));
    }

    @Test
    void theSenderHasReadTheirOwnMessageWhenTheySentIt() {
        assertThat(ReceiptService.receipt(message, watermarks("alice", 0, 0)))
                .isEqualTo(new MessageReceipt("alice", "read", created));
    }

    @Test
    void upToTheFanoutLimitEveryParticipantGetsTheEventAboveItOnlyTheReader() {
        assertThat(ReceiptPublisher.audience("bob", List.of("alice", "bob"), 2))
                .containsExactlyInAnyOrder(new Recipient("alice", false), new Recipient("bob", false));
        // the query asks for limit + 1 members: getting that many means the conversation is larger
        assertThat(ReceiptPublisher.audience("bob", List.of("alice", "bob", "carol"), 2))
                .containsExactly(new Recipient("bob", false));
        // the reader's own devices get it even if they are no longer listed (they left meanwhile)
        assertThat(ReceiptPublisher.audience("bob", List.of("alice"), 2))
                .containsExactlyInAnyOrder(new Recipient("alice", false), new Recipient("bob", false));
    }

    private ReceiptStore.ParticipantWatermarks watermarks(String user, long deliveredSeq, long readSeq) {
        return new ReceiptStore.ParticipantWatermarks(user, deliveredSeq, readSeq, delivered, read);
    }
}
