package io.portrait.segment;

/**
 * When a new segment model is worth re-assigning every user for. Compared with the model of the
 * last <em>completed</em> re-score (not the previous version), so that many small steps cannot add
 * up to a large drift unnoticed.
 */
public final class SegmentRescore {
    private SegmentRescore() {}

    /**
     * Whether {@code next} differs materially from {@code baseline}: no baseline yet, other segment
     * ids, or a centroid (matched by id) that moved further than {@code shift} — measured in {@code
     * next}'s standardised units, so a changed scaler counts as movement.
     */
    public static boolean material(SegmentModel baseline, SegmentModel next, double shift) {
        if (baseline == null) {
            return true;
        }
        if (baseline.ids().length != next.ids().length) {
            return true;
        }
        return maxShift(baseline, next) > shift;
    }

    /**
     * The largest distance a centroid moved from {@code baseline} to {@code next}, in {@code
     * next}'s standardised units; infinite when an id of one model is missing from the other.
     */
    public static double maxShift(SegmentModel baseline, SegmentModel next) {
        double max = 0;
        for (int j = 0; j < next.ids().length; j++) {
            int before = baseline.indexOf(next.ids()[j]);
            if (before < 0) {
                return Double.POSITIVE_INFINITY;
            }
            double[] z = next.standardize(baseline.original(before));
            max = Math.max(max, Math.sqrt(KMeans.dist2(z, next.centroids()[j])));
        }
        return max;
    }
}
