package io.portrait.segment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a new model re-assigns every user: compared with the last completed re-score's model. */
class SegmentRescoreTest {

    static SegmentModel model(double a, double b, long version) {
        return SegmentOperatorsTest.model(
                SegmentOperatorsTest.at(a), SegmentOperatorsTest.at(b), version);
    }

    @Test
    void theFirstModelIdsChangesAndLargeMovesAreMaterialSmallStepsAreNot() {
        SegmentModel m1 = model(0, 4, 1);
        assertThat(SegmentRescore.material(null, m1, 0.25)).as("no baseline").isTrue();
        assertThat(SegmentRescore.material(m1, model(0, 4, 2), 0.25)).as("same").isFalse();
        assertThat(SegmentRescore.maxShift(m1, model(0.1, 4.2, 3))).isCloseTo(0.2, within());
        assertThat(SegmentRescore.material(m1, model(0.1, 4.2, 3), 0.25)).isFalse();
        assertThat(SegmentRescore.material(m1, model(0.1, 4.3, 4), 0.25)).isTrue();
        SegmentModel renumbered =
                new SegmentModel(
                        5,
                        1,
                        m1.mean(),
                        m1.std(),
                        m1.centroids(),
                        new int[] {7, 11},
                        m1.labels(),
                        m1.sizes(),
                        -1L);
        assertThat(SegmentRescore.material(m1, renumbered, 0.25)).as("ids").isTrue();
    }

    @Test
    void manySmallStepsAddUpAgainstTheBaseline() {
        SegmentModel baseline = model(0, 4, 1);
        SegmentModel previous = baseline;
        boolean material = false;
        for (int v = 2; v <= 6 && !material; v++) {
            SegmentModel next = model(0, 4 + 0.1 * (v - 1), v);
            assertThat(SegmentRescore.material(previous, next, 0.25)).isFalse();
            material = SegmentRescore.material(baseline, next, 0.25);
            previous = next;
        }
        assertThat(material).as("0.1 per version, 0.3 from the baseline").isTrue();
    }

    static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }
}
