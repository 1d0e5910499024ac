package io.portrait.profile.feature;

/**
 * Welford's online mean and variance on plain fields (count, mean, M2), so state stays a POJO.
 * Numerically stable; one update per observation.
 */
public final class Welford {
    private Welford() {}

    /** The new (mean, M2) after adding x to n−1 observations; returns {mean, m2}. */
    public static double[] add(long nAfter, double mean, double m2, double x) {
        double delta = x - mean;
        double newMean = mean + delta / nAfter;
        return new double[] {newMean, m2 + delta * (x - newMean)};
    }

    /** Sample standard deviation, 0 for fewer than two observations. */
    public static double std(long n, double m2) {
        return n < 2 ? 0.0 : Math.sqrt(m2 / (n - 1));
    }
}
