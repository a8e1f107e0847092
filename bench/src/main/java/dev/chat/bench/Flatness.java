package dev.chat.bench;

import java.util.List;

/**
 * Whether a series sampled during a soak stayed flat (docs/reliability.md, "Soak"). The rule:
 * <ol>
 * <li>the samples of the first {@code warmupFraction} of the run's time are left out (JIT, heaps and pools growing to
 * their working size, connections opening);</li>
 * <li>a straight line is fitted to the rest by least squares; its slope, projected over the whole run's length
 * (first to last sample), is the growth the run shows;</li>
 * <li>the series is flat when that growth is at most the series' tolerance: the larger of an absolute amount and a
 * share of the series' mean level (after the warm-up). A falling series is flat.</li>
 * </ol>
 * Fewer than {@link #MIN_POINTS} samples after the warm-up: no verdict ({@link Verdict#flat()} null). A slope, not
 * first-vs-last: one full GC more or less at either end does not decide, a steady leak does.
 */
final class Flatness {

    /** Samples needed after the warm-up for a verdict. */
    static final int MIN_POINTS = 3;

    private Flatness() {
    }

    /** How much growth over the run a series may show: {@code max(absolute, relative x mean level)}. */
    record Tolerance(double absolute, double relative) {

        double allowed(double level) {
            return Math.max(absolute, relative * Math.abs(level));
        }
    }

    /** One sample: seconds since the run started, and the value. */
    record Point(double seconds, double value) {
    }

    /**
     * @param points    all samples
     * @param judged    the samples after the warm-up
     * @param slope     per second, fitted to the judged samples (0 when fewer than 2)
     * @param growth    slope x the run's length
     * @param allowed   the tolerance at the series' level
     * @param flat      growth <= allowed; null when fewer than {@link #MIN_POINTS} samples were judged
     */
    record Verdict(int points, int judged, double first, double last, double min, double max, double slope,
            double growth, double allowed, Boolean flat) {
    }

    static Verdict judge(List<Point> points, Tolerance tolerance, double warmupFraction) {
        if (points.isEmpty()) {
            return new Verdict(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, tolerance.allowed(0), null);
        }
        double start = points.get(0).seconds();
        double length = points.get(points.size() - 1).seconds() - start;
        double from = start + warmupFraction * length;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Point p : points) {
            min = Math.min(min, p.value());
            max = Math.max(max, p.value());
        }
        List<Point> judged = points.stream().filter(p -> p.seconds() >= from).toList();
        double slope = slope(judged);
        double level = judged.stream().mapToDouble(Point::value).average().orElse(0);
        double growth = slope * length;
        double allowed = tolerance.allowed(level);
        Boolean flat = judged.size() < MIN_POINTS ? null : growth <= allowed;
        return new Verdict(points.size(), judged.size(), points.get(0).value(), points.get(points.size() - 1).value(),
                min, max, slope, growth, allowed, flat);
    }

    /** The least-squares slope of value over time (0 for fewer than 2 points or no spread in time). */
    static double slope(List<Point> points) {
        int n = points.size();
        if (n < 2) {
            return 0;
        }
        double meanT = points.stream().mapToDouble(Point::seconds).average().orElse(0);
        double meanV = points.stream().mapToDouble(Point::value).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (Point p : points) {
            sxy += (p.seconds() - meanT) * (p.value() - meanV);
            sxx += (p.seconds() - meanT) * (p.seconds() - meanT);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
