package io.portrait.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The segment maths against hand-computed cases. */
class KMeansTest {

    @Test
    void decayedUpdateRule() {
        // c = 0, n = 10, a = 0.5, x̄ = 6, m = 5: c' = (0.5·10·0 + 5·6)/(0.5·10 + 5) = 3, n' = 10.
        double[] c = {0, 2};
        double n = KMeans.decayedUpdate(c, 10, 0.5, new double[] {6, 2}, 5);
        assertThat(n).isEqualTo(10);
        assertThat(c[0]).isEqualTo(3);
        assertThat(c[1]).isEqualTo(2);
        // a = 0 forgets the past (Flink ML's default); a = 1 never forgets (Spark's).
        double[] forget = {100};
        KMeans.decayedUpdate(forget, 1e6, 0, new double[] {1}, 1);
        assertThat(forget[0]).isEqualTo(1);
        double[] keep = {0};
        KMeans.decayedUpdate(keep, 3, 1, new double[] {4}, 1);
        assertThat(keep[0]).isEqualTo(1);
    }

    @Test
    void halfLifeSemantics() {
        // After one half-life of event time the old weight counts half.
        long halfLife = 86_400_000L;
        double a = Math.pow(2.0, -(double) halfLife / halfLife);
        double[] c = {0};
        KMeans.decayedUpdate(c, 4, a, new double[] {10}, 2);
        assertThat(c[0]).isCloseTo(10 * 2 / (0.5 * 4 + 2), within(1e-12)); // = 5
    }

    @Test
    void matchingKeepsIdsWhenCentresAreRenumbered() {
        double[][] previous = {{0, 0}, {10, 0}, {0, 10}};
        double[][] next = {{0.5, 9.5}, {0.2, 0.1}, {9.8, 0.3}};
        assertThat(KMeans.match(previous, next)).containsExactly(2, 0, 1);
    }

    @Test
    void lloydFindsSeparatedClustersFromPlusPlus() {
        Random r = new Random(3);
        List<double[]> points = new ArrayList<>();
        double[][] centres = {{0, 0}, {8, 8}, {-8, 8}};
        for (double[] c : centres) {
            for (int i = 0; i < 200; i++) {
                points.add(new double[] {c[0] + r.nextGaussian(), c[1] + r.nextGaussian()});
            }
        }
        double[][] found = KMeans.lloyd(points, KMeans.plusPlus(points, 3, r), 100);
        for (double[] c : centres) {
            double best = Double.MAX_VALUE;
            for (double[] f : found) {
                best = Math.min(best, KMeans.dist2(c, f));
            }
            assertThat(Math.sqrt(best)).isLessThan(0.3);
        }
        assertThat(KMeans.wcss(points, found) / points.size()).isCloseTo(2.0, within(0.3));
    }

    @Test
    void labelsDescribeTheStrongestTraits() {
        assertThat(SegmentModel.label(new double[] {0.2, 1.5, -0.9, 0, 0, 0.1}))
                .isEqualTo("high value, recent");
        assertThat(SegmentModel.label(new double[] {0, 0, 0, 0, 0, 0})).isEqualTo("typical");
        assertThat(SegmentModel.label(new double[] {-0.6, 0, 2.0, 0, 0, -0.7}))
                .isEqualTo("lapsed, quiet");
    }

    @Test
    void populationStabilityIndex() {
        assertThat(CentroidAggregator.psi(new long[] {50, 50}, new long[] {50, 50})).isZero();
        // p = (0.5, 0.5), q = (0.25, 0.75): Σ (q−p) ln(q/p) = 0.25·ln 2 + 0.25·ln(2/3)... closed
        // form:
        double expected = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.75 - 0.5) * Math.log(0.75 / 0.5);
        assertThat(CentroidAggregator.psi(new long[] {50, 50}, new long[] {25, 75}))
                .isCloseTo(expected, within(1e-12));
    }

    @Test
    void theSampleKeepsTheSmallestUserHashes() {
        AggregatorState s = AggregatorState.create(2, 3);
        double[] v = new double[FeatureVector.D];
        for (long h : new long[] {50, 10, 40, 30, 20}) {
            CentroidAggregator.reservoirPut(s, h, v);
        }
        assertThat(s.reservoirSize).isEqualTo(3);
        assertThat(s.reservoirUsers).containsExactlyInAnyOrder(10, 20, 30);
        assertThat(CentroidAggregator.sampleBound(s)).isEqualTo(30);
        v[0] = 7;
        CentroidAggregator.reservoirPut(s, 20, v); // a user's new vector replaces the old one
        assertThat(s.reservoirSize).isEqualTo(3);
    }
}
