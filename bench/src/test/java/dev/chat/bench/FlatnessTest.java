package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

/** The soak's flatness rule (Flatness): warm-up left out, least-squares slope projected over the run, tolerance. */
class FlatnessTest {

    private static final double MB = 1024 * 1024;
    private static final Flatness.Tolerance HEAP = new Flatness.Tolerance(16 * MB, 0.10);
    private static final Flatness.Tolerance THREADS = new Flatness.Tolerance(5, 0);

    /** One sample every 30 s for 30 minutes (61 samples), value f(seconds). */
    private static List<Flatness.Point> series(DoubleUnaryOperator f) {
        List<Flatness.Point> points = new ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            points.add(new Flatness.Point(i * 30.0, f.applyAsDouble(i * 30.0)));
        }
        return points;
    }

    @Test
    void aConstantSeriesIsFlat() {
        Flatness.Verdict v = Flatness.judge(series(t -> 80), THREADS, 0.2);
        assertThat(v.flat()).isTrue();
        assertThat(v.slope()).isZero();
        assertThat(v.points()).isEqualTo(61);
        assertThat(v.judged()).isEqualTo(49); // t >= 360 s
        assertThat(v.first()).isEqualTo(80);
        assertThat(v.min()).isEqualTo(80);
        assertThat(v.max()).isEqualTo(80);
    }

    @Test
    void aSteadyLeakIsNotFlat() {
        // 1 MB a minute on 100 MB: 30 MB over the run, above both 16 MB and 10 % of the level
        Flatness.Verdict v = Flatness.judge(series(t -> 100 * MB + t / 60 * MB), HEAP, 0.2);
        assertThat(v.flat()).isFalse();
        assertThat(v.slope()).isCloseTo(MB / 60, within(1.0));
        assertThat(v.growth()).isCloseTo(30 * MB, within(1.0));
    }

    @Test
    void growthWithinTheAbsoluteToleranceIsFlat() {
        // 4 threads more over 30 minutes: under 5
        Flatness.Verdict v = Flatness.judge(series(t -> 60 + 4 * t / 1800), THREADS, 0.2);
        assertThat(v.growth()).isCloseTo(4, within(1e-9));
        assertThat(v.flat()).isTrue();
        assertThat(Flatness.judge(series(t -> 60 + 6 * t / 1800), THREADS, 0.2).flat()).isFalse();
    }

    @Test
    void aLargeLevelGetsTheRelativeTolerance() {
        // 30 MB growth on a 400 MB heap: above 16 MB, below 10 % of the level (about 41 MB)
        Flatness.Verdict v = Flatness.judge(series(t -> 400 * MB + 30 * MB * t / 1800), HEAP, 0.2);
        assertThat(v.allowed()).isGreaterThan(40 * MB);
        assertThat(v.flat()).isTrue();
    }

    @Test
    void theWarmUpIsLeftOut() {
        // heap fills to its working size in the first 5 minutes, then stays there
        Flatness.Verdict v = Flatness.judge(series(t -> t < 300 ? 20 * MB + t / 300 * 80 * MB : 100 * MB), HEAP, 0.2);
        assertThat(v.flat()).isTrue();
        assertThat(v.first()).isEqualTo(20 * MB);
        assertThat(v.max()).isEqualTo(100 * MB);
        // judged from the start, the same ramp would count as growth
        assertThat(Flatness.judge(series(t -> t < 300 ? 20 * MB + t / 300 * 80 * MB : 100 * MB), HEAP, 0).flat()).isFalse();
    }

    @Test
    void noiseAroundALevelIsFlatButALateLeakIsNot() {
        // a sawtooth of +-8 MB (GC timing) around 100 MB
        Flatness.Verdict noisy = Flatness.judge(series(t -> 100 * MB + ((int) (t / 30) % 2 == 0 ? 8 : -8) * MB), HEAP, 0.2);
        assertThat(noisy.flat()).isTrue();
        // flat for 20 minutes, then 5 MB a minute: the fitted line still rises more than the tolerance
        Flatness.Verdict late = Flatness.judge(series(t -> t < 1200 ? 100 * MB : 100 * MB + (t - 1200) / 60 * 5 * MB), HEAP, 0.2);
        assertThat(late.flat()).isFalse();
    }

    @Test
    void aFallingSeriesIsFlat() {
        assertThat(Flatness.judge(series(t -> 200 - t / 10), THREADS, 0.2).flat()).isTrue();
    }

    @Test
    void tooFewSamplesGiveNoVerdict() {
        List<Flatness.Point> two = List.of(new Flatness.Point(0, 1), new Flatness.Point(10, 1000));
        assertThat(Flatness.judge(two, THREADS, 0.2).flat()).isNull();
        assertThat(Flatness.judge(List.of(), THREADS, 0.2).flat()).isNull();
        assertThat(Flatness.judge(List.of(new Flatness.Point(5, 3)), THREADS, 0.2).judged()).isEqualTo(1);
    }
}
