package io.portrait.profile.feature;

/** Closed-form event-time exponential decay. */
public final class Decay {
    private Decay() {}

    /** e^(−Δ/τ): the weight, after {@code dtMillis}, of something with time constant τ. */
    public static double exp(long dtMillis, long tauMillis) {
        return dtMillis <= 0 ? 1.0 : Math.exp(-(double) dtMillis / tauMillis);
    }

    /** 2^(−Δ/h): the weight after {@code dtMillis} with half-life h. */
    public static double halfLife(long dtMillis, long halfLifeMillis) {
        return dtMillis <= 0 ? 1.0 : Math.pow(2.0, -(double) dtMillis / halfLifeMillis);
    }
}
