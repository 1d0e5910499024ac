package io.portrait.profile.feature;

import org.apache.commons.math3.distribution.BetaDistribution;

/**
 * Beta-Binomial conversion propensity: with a Beta(α, β) prior and s successes in n trials, the
 * posterior is Beta(α + s, β + n − s); its mean and the 5 % / 95 % quantiles (a 90 % credible
 * interval) describe the user.
 */
public final class BetaPosterior {
    private BetaPosterior() {}

    public static double mean(double alpha, double beta, long successes, long trials) {
        return (alpha + successes) / (alpha + beta + trials);
    }

    /** Posterior shapes seen recently → their interval (most users share small counts). */
    private static final int CACHE_SIZE = 1 << 14;

    private record Shape(double a, double b) {}

    private static final java.util.concurrent.ConcurrentHashMap<Shape, double[]> CACHE =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {lower, upper} of the central 90 % credible interval. The quantiles are solved numerically
     * (tens of regularized-beta evaluations), so results are remembered per posterior shape: the
     * same (α + s, β + n − s) recurs across users and documents. A copy is returned.
     */
    public static double[] ci90(double alpha, double beta, long successes, long trials) {
        Shape shape = new Shape(alpha + successes, beta + (trials - successes));
        double[] ci = CACHE.get(shape);
        if (ci == null) {
            BetaDistribution d = new BetaDistribution(null, shape.a(), shape.b(), 1e-12);
            ci =
                    new double[] {
                        d.inverseCumulativeProbability(0.05), d.inverseCumulativeProbability(0.95)
                    };
            if (CACHE.size() >= CACHE_SIZE) {
                CACHE.clear(); // bounded; refills with the shapes in use
            }
            CACHE.put(shape, ci);
        }
        return ci.clone();
    }
}
