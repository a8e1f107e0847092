package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void givenOptionsAreParsedAndMissingOnesTakeTheirDefault() {
        BenchOptions options = BenchOptions.parse(new String[] { "--rate=250.5", "--duration=50ms", "--counts=1000, 5000,",
                "--scenarios=latency,gateway" }, "rate", "duration", "counts", "scenarios", "users", "warmup");
        assertThat(options.decimal("rate", 600)).isEqualTo(250.5);
        assertThat(options.duration("duration", "60s")).isEqualTo(Duration.ofMillis(50));
        assertThat(options.integers("counts", "1")).containsExactly(1000, 5000);
        assertThat(options.list("scenarios", "sustained")).containsExactly("latency", "gateway");
        assertThat(options.integer("users", 1000)).isEqualTo(1000);
        assertThat(options.duration("warmup", "1m30s")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void anUnknownOptionIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] { "--rat=300" }, "rate", "duration"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown option --rat; known: --duration, --rate");
    }

    @Test
    void anArgumentThatIsNoOptionIsRefused() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] { "rate=300" }, "rate"))
                .hasMessageStartingWith("not an option --name=value: 'rate=300'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] { "--rate" }, "rate"))
                .hasMessageStartingWith("not an option --name=value: '--rate'");
    }

    @Test
    void aValueThatDoesNotParseIsRefusedWithItsOption() {
        BenchOptions options = BenchOptions.parse(new String[] { "--rate=fast", "--duration=soon" }, "rate", "duration");
        assertThatThrownBy(() -> options.decimal("rate", 600)).hasMessage("--rate must be a number, not 'fast'");
        assertThatThrownBy(() -> options.duration("duration", "60s"))
                .hasMessage("--duration must be a duration like 50ms, 15s or 30m, not 'soon'");
    }
}
