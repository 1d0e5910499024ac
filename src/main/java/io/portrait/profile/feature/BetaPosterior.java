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

    /** {lower, upper} of the central 90 % credible interval. */
    public static double[] ci90(double alpha, double beta, long successes, long trials) {
        BetaDistribution d =
                new BetaDistribution(null, alpha + successes, beta + (trials - successes), 1e-12);
        return new double[] {
            d.inverseCumulativeProbability(0.05), d.inverseCumulativeProbability(0.95)
        };
    }
}
