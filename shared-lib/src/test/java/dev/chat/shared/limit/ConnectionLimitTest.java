package dev.chat.shared.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ConnectionLimitTest {

    private static final long MIB = 1024 * 1024;
    private static final long KIB = 1024;

    @Test
    void filesDecideWhenTheyAreScarcerThanHeap() {
        // (20,000 - 1,000) / 1 = 19,000; 60% of 1 GiB / 16 KiB = 39,321
        ConnectionLimit limit = ConnectionLimit.derive(20_000, 1024 * MIB, 1, 16 * KIB);

        assertThat(limit.fileReserve()).isEqualTo(1_000);
        assertThat(limit.filesDerived()).isEqualTo(19_000);
        assertThat(limit.heapDerived()).isEqualTo(39_321);
        assertThat(limit.limit()).isEqualTo(19_000);
    }

    @Test
    void heapDecidesWhenItIsScarcerThanFiles() {
        // 60% of 384 MiB / 16 KiB = 14,745; files allow 1,047,576
        ConnectionLimit limit = ConnectionLimit.derive(1_048_576, 384 * MIB, 1, 16 * KIB);

        assertThat(limit.filesDerived()).isEqualTo(1_047_576);
        assertThat(limit.heapDerived()).isEqualTo(14_745);
        assertThat(limit.limit()).isEqualTo(14_745);
    }

    @Test
    void aProxyHoldsTwoSocketsPerConnection() {
        // gateway: (65,536 - 1,000) / 2 = 32,268; 60% of 512 MiB / 40 KiB = 7,864
        ConnectionLimit limit = ConnectionLimit.derive(65_536, 512 * MIB, 2, 40 * KIB);

        assertThat(limit.filesDerived()).isEqualTo(32_268);
        assertThat(limit.heapDerived()).isEqualTo(7_864);
        assertThat(limit.limit()).isEqualTo(7_864);
        assertThat(limit.describe()).contains("32268", "65536", "reserve 1000", "2 socket(s)", "7864", "512 MiB",
                "40 KiB");
    }

    @Test
    void aSmallFileLimitKeepsHalfForConnections() {
        ConnectionLimit limit = ConnectionLimit.derive(1_024, 1024 * MIB, 1, 16 * KIB);

        assertThat(limit.fileReserve()).isEqualTo(512);
        assertThat(limit.limit()).isEqualTo(512);
    }

    @Test
    void anUnknownFileLimitLeavesTheHeapToDecide() {
        ConnectionLimit limit = ConnectionLimit.derive(-1, 256 * MIB, 1, 16 * KIB);

        assertThat(limit.filesDerived()).isEqualTo(Integer.MAX_VALUE);
        assertThat(limit.limit()).isEqualTo(limit.heapDerived()).isEqualTo(9_830);
        assertThat(limit.describe()).contains("unknown");
    }

    @Test
    void theLimitIsAtLeastOne() {
        assertThat(ConnectionLimit.derive(1, 1, 2, 16 * KIB).limit()).isEqualTo(1);
        assertThatThrownBy(() -> ConnectionLimit.derive(1_000, 1024 * MIB, 0, 16 * KIB))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisProcessHasAFileLimitAndAHeap() {
        ConnectionLimit limit = ConnectionLimit.ofThisProcess(1, 16 * KIB);

        assertThat(limit.maxHeapBytes()).isEqualTo(Runtime.getRuntime().maxMemory());
        assertThat(limit.maxOpenFiles()).isPositive();
        assertThat(limit.limit()).isPositive();
    }

    @Test
    void procLimitsGiveTheSoftLimit() {
        List<String> lines = List.of(
                "Limit                     Soft Limit           Hard Limit           Units     ",
                "Max processes             unlimited            unlimited            processes ",
                "Max open files            4096                 524288               files     ");

        assertThat(ConnectionLimit.parseProcLimits(lines)).hasValue(4096);
        assertThat(ConnectionLimit.parseProcLimits(List.of(
                "Max open files            unlimited            unlimited            files     "))).isEmpty();
        assertThat(ConnectionLimit.parseProcLimits(List.of())).isEmpty();
    }
}
