package io.portrait.common;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Decimal rounding of every number portrait writes into a JSON document. */
public final class Rounding {
    private Rounding() {}

    /** Powers of ten for the fast path of {@link #round}. */
    private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};

    /** {@code v} rounded HALF_EVEN to {@code places} decimals, as every number in the document. */
    public static double round(double v, int places) {
        // Fast path, same result: away from a tie the nearest integer of v * 10^places is the one
        // HALF_EVEN rounding of v's decimal picks (the product's error is far below 1e-6 while
        // |v * 10^places| < 1e9), and n / 10^places is then correctly rounded like doubleValue().
        // Near a tie, and for huge or non-finite values, the decimal arithmetic decides.
        if (places >= 0 && places < POW10.length) {
            double scale = POW10[places];
            double s = v * scale;
            if (Math.abs(s) < 1e9) {
                double floor = Math.floor(s);
                double frac = s - floor;
                if (Math.abs(frac - 0.5) > 1e-6) {
                    double n = frac < 0.5 ? floor : floor + 1;
                    return n / scale + 0.0; // + 0.0: never -0.0, as BigDecimal has none
                }
            }
        }
        return roundExactly(v, places);
    }

    /** The definition {@link #round} keeps to: HALF_EVEN on the shortest decimal of v. */
    public static double roundExactly(double v, int places) {
        return BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_EVEN).doubleValue();
    }
}
