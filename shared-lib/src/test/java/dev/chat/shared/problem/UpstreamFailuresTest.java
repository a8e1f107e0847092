package dev.chat.shared.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

class UpstreamFailuresTest {

    /** Like R2DBC's exceptions: an SQLSTATE through {@code getSqlState()}. */
    static final class StateException extends RuntimeException {
        private final String state;

        StateException(String state) {
            super("state " + state);
            this.state = state;
        }

        public String getSqlState() {
            return state;
        }
    }

    @Test
    void aDatabaseThatIsDownRestartingOrFullIsUnavailable() {
        assertThat(UpstreamFailures.databaseUnavailable(new IllegalStateException(new SQLException("refused", "08001"))))
                .isTrue();
        assertThat(UpstreamFailures.databaseUnavailable(new RuntimeException(new StateException("57P01")))).as("admin shutdown")
                .isTrue();
        assertThat(UpstreamFailures.databaseUnavailable(new StateException("53300"))).as("too many connections").isTrue();
    }

    @Test
    void aConnectionThePoolCouldNotHandOutIsAnUnreachableServiceNotAnInternalError() {
        // seen in the fault suite when message-service was killed: the gateway answered 500 internal_error
        assertThat(UpstreamFailures.unreachable(new IllegalStateException(new java.io.IOException(
                "Error while acquiring from reactor.netty.internal.shaded.reactor.pool.SimpleDequePool@69aa40ce")))).isTrue();
        assertThat(UpstreamFailures.unreachable(new java.io.IOException("No space left on device"))).isFalse();
    }

    @Test
    void aConnectionResetMidRequestIsAClosedConnectionNotAnInternalError() {
        assertThat(UpstreamFailures.closedBeforeAnswering(new IllegalStateException(
                new java.io.IOException("recvAddress(..) failed with error(-104): Connection reset by peer")))).isTrue();
        assertThat(UpstreamFailures.closedBeforeAnswering(new java.net.SocketException("Connection reset"))).isTrue();
        assertThat(UpstreamFailures.closedBeforeAnswering(new java.io.IOException("No space left on device"))).isFalse();
    }

    @Test
    void aRequestTheDatabaseRefusedIsNot() {
        assertThat(UpstreamFailures.databaseUnavailable(new StateException("23505"))).as("unique violation").isFalse();
        assertThat(UpstreamFailures.databaseUnavailable(new IllegalStateException("boom"))).isFalse();
    }
}
