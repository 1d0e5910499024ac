package io.portrait.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The maths of the streaming item-item similarity against closed forms. */
class SimilarityTest {
    static final long DAY = 86_400_000L;

    @Test
    void decayHalvesPerHalfLifeAndNeverGrowsBackwards() {
        assertThat(Similarity.decay(8, 0, 7 * DAY, 7 * DAY)).isCloseTo(4, within(1e-12));
        assertThat(Similarity.decay(8, 0, 21 * DAY, 7 * DAY)).isCloseTo(1, within(1e-12));
        assertThat(Similarity.decay(8, 10 * DAY, 3 * DAY, 7 * DAY)).isEqualTo(8);
        // Decaying in two steps = in one.
        double once = Similarity.decay(5, 0, 10 * DAY, 7 * DAY);
        double twice =
                Similarity.decay(
                        Similarity.decay(5, 0, 4 * DAY, 7 * DAY), 4 * DAY, 10 * DAY, 7 * DAY);
        assertThat(twice).isCloseTo(once, within(1e-12));
    }

    @Test
    void cosineIsSymmetricBoundedAndDampsPopularItems() {
        assertThat(Similarity.cosine(3, 4, 9)).isCloseTo(3 / 6.0, within(1e-12));
        assertThat(Similarity.cosine(3, 9, 4)).isEqualTo(Similarity.cosine(3, 4, 9));
        assertThat(Similarity.cosine(10, 4, 9)).isEqualTo(1.0);
        assertThat(Similarity.cosine(0, 4, 9)).isZero();
        assertThat(Similarity.cosine(2, 0, 9)).isZero();
        // Item A co-occurs twice with a niche item (seen 2 times) and twice with a best-seller
        // (seen 1 000 times): the niche item is far more similar.
        double niche = Similarity.cosine(2, 10, 2);
        double bestSeller = Similarity.cosine(2, 10, 1_000);
        assertThat(niche).isGreaterThan(10 * bestSeller);
    }

    @Test
    void aPairWeighsAsItsWeakerInteractionAndTimersRoundUpToDays() {
        assertThat(Similarity.pairWeight(8, 1)).isEqualTo(1);
        assertThat(Similarity.retentionTimer(DAY + 5, 30 * DAY)).isEqualTo(32 * DAY);
        assertThat(Similarity.retentionTimer(2 * DAY, 30 * DAY)).isEqualTo(32 * DAY);
        assertThat(Similarity.retentionTimer(2 * DAY + 1, 30 * DAY)).isEqualTo(33 * DAY);
    }
}
