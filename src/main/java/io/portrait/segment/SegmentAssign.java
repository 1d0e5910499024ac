package io.portrait.segment;

import io.portrait.common.Hashing;
import io.portrait.common.Wire;
import io.portrait.config.PortraitConfig;
import io.portrait.profile.CoreFeatures;

/**
 * Segment assignment as a module: a user's feature vector against the newest published model, and
 * the user's contribution to the centroid statistics kept honest — a user's current vector is
 * counted exactly once, a new vector replacing the previous contribution (−old, +new) in the task's
 * pending {@link ClusterDelta}, so active users do not outweigh quiet ones. A user moves to another
 * segment only when its centroid is closer than the current one by the configured margin. The user
 * operator runs it once per user per flush (the intermediate vectors of one flush cancel out in the
 * statistics anyway).
 */
public final class SegmentAssign {

    /** A move from one segment id to another. */
    public interface Moves {
        void moved(int from, int to);
    }

    private final PortraitConfig.Segments settings;
    private final double minorPerUnit;

    public SegmentAssign(PortraitConfig config) {
        this.settings = config.segments();
        this.minorPerUnit = Math.pow(10, config.money().baseFractionDigits());
    }

    /** Bucket count of a pending delta: k clusters and one "unassigned". */
    public int buckets() {
        return settings.k() + 1;
    }

    private int bucket(int index) {
        return index < 0 ? settings.k() : index;
    }

    /**
     * Assigns the user with {@code model} (null before the first model) and records the change of
     * contribution in {@code pending}; returns the profile's segment group.
     */
    public SegmentPart assign(
            SegmentState s,
            CoreFeatures core,
            String userId,
            SegmentModel model,
            ClusterDelta pending,
            Moves moves) {
        double[] x = FeatureVector.of(core, minorPerUnit);
        int index = -1;
        SegmentPart part;
        if (model != null) {
            double[] z = model.standardize(x);
            int nearest = KMeans.nearest(z, model.centroids());
            index = nearest;
            int current = s.segmentId < 0 ? -1 : model.indexOf(s.segmentId);
            if (current >= 0
                    && Math.sqrt(KMeans.dist2(z, model.centroids()[current]))
                            <= Math.sqrt(KMeans.dist2(z, model.centroids()[nearest]))
                                    + settings.margin()) {
                index = current;
            }
            int id = model.ids()[index];
            if (s.segmentId >= 0 && s.segmentId != id) {
                moves.moved(s.segmentId, id);
            }
            s.segmentId = id;
            part =
                    SegmentPart.of(
                            id,
                            model.labels()[index],
                            Math.sqrt(KMeans.dist2(z, model.centroids()[index])),
                            model.version(),
                            x);
        } else {
            // No model yet: the profile shows the vector, not yet a segment.
            part = SegmentPart.of(-1, null, Double.NaN, 0, x);
        }
        if (s.vector != null) {
            pending.apply(bucket(s.index), s.vector, -1);
        }
        pending.apply(bucket(index), x, +1);
        pending.maxTs = Math.max(pending.maxTs, core.lastSeen);
        // Users whose hash is below the model's bound (all users before the first model) keep
        // their current vector in the aggregator's bottom-k sample: uniform over users, bounded.
        long hash = Hashing.hash64(userId);
        if (model == null || Long.compareUnsigned(hash, model.sampleBelow()) < 0) {
            pending.sample(hash, x);
        }
        s.vector = x;
        s.index = index;
        return part;
    }

    /**
     * The segment group of a user whose features did not change: nothing is recorded. A user whose
     * segment is not in the current model (renumbered, reseeded) is shown its nearest segment; the
     * move is recorded with the user's next event.
     */
    public SegmentPart describe(SegmentState s, CoreFeatures core, SegmentModel model) {
        double[] x = s.vector != null ? s.vector : FeatureVector.of(core, minorPerUnit);
        if (model == null) {
            return SegmentPart.of(-1, null, Double.NaN, 0, x);
        }
        double[] z = model.standardize(x);
        int index = s.segmentId < 0 ? -1 : model.indexOf(s.segmentId);
        if (index < 0) {
            index = KMeans.nearest(z, model.centroids());
        }
        return SegmentPart.of(
                model.ids()[index],
                model.labels()[index],
                Math.sqrt(KMeans.dist2(z, model.centroids()[index])),
                model.version(),
                x);
    }

    /** Takes the user's contribution out (erase, retention). */
    public void remove(SegmentState s, ClusterDelta pending) {
        if (s.vector != null) {
            pending.apply(bucket(s.index), s.vector, -1);
        }
        s.vector = null;
        s.index = -1;
        s.segmentId = -1;
    }

    public static void write(SegmentState s, Wire.Out out) {
        out.doubles(s.vector).svar(s.index).svar(s.segmentId);
    }

    public static SegmentState read(Wire.In in) {
        SegmentState s = new SegmentState();
        s.vector = in.doubles();
        s.index = (int) in.svar();
        s.segmentId = (int) in.svar();
        return s;
    }
}
