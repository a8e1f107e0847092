package dev.chat.websocket.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.chat.shared.limit.ConnectionLimit;
import dev.chat.websocket.config.WebSocketProperties;

class ConnectionLimitsTest {

    private static final ConnectionLimit DERIVED = ConnectionLimit.derive(20_000, 512L * 1024 * 1024, 1,
            WebSocketProperties.DERIVED_CONNECTION_HEAP_BYTES);

    @Test
    void zeroMeansDerivedFromFilesAndHeap() {
        // files: 20,000 - 1,000 = 19,000; heap: 60% of 512 MiB / 16 KiB = 19,660
        assertThat(ConnectionLimits.limit(0, DERIVED)).isEqualTo(19_000);
    }

    @Test
    void aSettingOverridesTheDerivation() {
        assertThat(ConnectionLimits.limit(50_000, DERIVED)).isEqualTo(50_000);
        assertThat(ConnectionLimits.limit(3, DERIVED)).isEqualTo(3);
    }
}
