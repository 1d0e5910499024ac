package io.portrait.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The document's number rounding takes a fast path; it must give exactly what HALF_EVEN on the
 * shortest decimal gives (the definition), bit for bit, for every value the document writes.
 */
class RoundingTest {

    private static void same(double v, int places) {
        double expected = Rounding.roundExactly(v, places);
        double actual = Rounding.round(v, places);
        assertThat(Double.doubleToRawLongBits(actual))
                .as("round(%s, %d): %s, expected %s", v, places, actual, expected)
                .isEqualTo(Double.doubleToRawLongBits(expected));
    }

    @Test
    void agreesWithTheDecimalDefinitionOnRandomValues() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 2_000_000; i++) {
            int places = r.nextInt(0, 7);
            double v =
                    switch (i % 4) {
                        case 0 -> r.nextDouble(); // scores, propensities
                        case 1 -> r.nextDouble(-1e4, 1e4); // vectors, gaps
                        case 2 -> Math.scalb(r.nextDouble(), r.nextInt(-40, 40)); // any magnitude
                        default -> r.nextInt(-100_000, 100_000) / 1000.0; // decimals already
                    };
            same(v, places);
        }
    }

    @Test
    void tiesAndEdgesFollowHalfEven() {
        double[] values = {
            0.0005,
            0.0015,
            0.0025,
            2.5,
            3.5,
            -2.5,
            1.005,
            1.015,
            0.125,
            0.375,
            -0.0005,
            -0.0,
            0.0,
            1e-9,
            -1e-9,
            999_999.9995,
            1e12 + 0.5,
            4.35,
            2.675,
            0.3125,
            123.4565
        };
        for (double v : values) {
            for (int places = 0; places <= 6; places++) {
                same(v, places);
            }
        }
        assertThat(Rounding.round(0.0005, 3)).isEqualTo(0.0); // a tie to the even digit
        assertThat(Rounding.round(0.0015, 3)).isEqualTo(0.002);
        assertThat(Double.doubleToRawLongBits(Rounding.round(-0.0001, 3)))
                .isEqualTo(Double.doubleToRawLongBits(0.0)); // no negative zero in a document
    }

    @Test
    void nonFiniteValuesStillFailAsTheDefinitionDoes() {
        assertThatThrownBy(() -> Rounding.round(Double.NaN, 3))
                .isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> Rounding.round(Double.POSITIVE_INFINITY, 2))
                .isInstanceOf(NumberFormatException.class);
    }
}
