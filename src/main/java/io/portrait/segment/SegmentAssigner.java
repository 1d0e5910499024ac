package io.portrait.segment;

import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlState;
import io.portrait.profile.Descriptors;
import io.portrait.profile.ProfileChange;
import io.portrait.profile.ProfilePart;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Assigns each user to a segment with the newest published model and keeps the centroid statistics
 * honest: a user's current vector is counted exactly once — a new vector replaces the previous
 * contribution (−old, +new) — so active users do not outweigh quiet ones. Changes are
 * pre-aggregated per task and sent to the single-task {@link CentroidAggregator} at most every 200
 * ms or 500 changes; pending changes are kept in operator state across checkpoints.
 *
 * <p>A user moves to another segment only when its centroid is closer than the current one by the
 * configured margin; a move emits {@code segment_changed} to portrait.changes. The part it passes
 * on to the assembler carries the segment group.
 */
public final class SegmentAssigner
        extends KeyedBroadcastProcessFunction<String, ProfilePart, ControlMessage, ProfilePart>
        implements CheckpointedFunction {

    static final long FLUSH_MILLIS = 200;
    static final int FLUSH_CHANGES = 500;

    private final PortraitConfig.Segments settings;
    private final double minorPerUnit;

    private transient ValueState<SegmentState> state;
    private transient ListState<ClusterDelta> pendingState;
    private transient ClusterDelta pending;
    private transient int pendingChanges;
    private transient boolean flushTimerSet;
    private transient SegmentModel model;
    private transient Counter moves;

    public SegmentAssigner(PortraitConfig config) {
        this.settings = config.segments();
        this.minorPerUnit = Math.pow(10, config.money().baseFractionDigits());
    }

    private int buckets() {
        return settings.k() + 1;
    }

    private int bucket(int index) {
        return index < 0 ? settings.k() : index;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        pendingState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "segment-pending-deltas",
                                        TypeExtractor.getForClass(ClusterDelta.class)));
        pending = ClusterDelta.empty(buckets());
        for (ClusterDelta d : pendingState.get()) {
            merge(pending, d);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        pendingState.update(List.of(pending));
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(Descriptors.segmentState());
        moves = getRuntimeContext().getMetricGroup().counter("segmentMoves");
    }

    private SegmentModel model(ReadOnlyContext ctx) throws Exception {
        ControlMessage m =
                ctx.getBroadcastState(Descriptors.CONTROL)
                        .get("centroids:" + SegmentModel.CONTROL_ID);
        if (m == null) {
            model = null;
        } else if (model == null || model.version() != m.version()) {
            model = SegmentModel.fromJson(m.version(), m.payload());
        }
        return model;
    }

    @Override
    public void processElement(ProfilePart part, ReadOnlyContext ctx, Collector<ProfilePart> out)
            throws Exception {
        if (part.core == null) {
            out.collect(part);
            return;
        }
        SegmentState s = state.value();
        if (part.core.erased) {
            if (s != null && s.vector != null) {
                pending.apply(bucket(s.index), s.vector, -1);
                changed(ctx);
            }
            state.clear();
            out.collect(part);
            return;
        }
        if (s == null) {
            s = new SegmentState();
        }
        double[] x = FeatureVector.of(part.core, minorPerUnit);
        SegmentModel m = model(ctx);
        int index = -1;
        if (m != null) {
            double[] z = m.standardize(x);
            int nearest = KMeans.nearest(z, m.centroids());
            index = nearest;
            int current = s.segmentId < 0 ? -1 : m.indexOf(s.segmentId);
            if (current >= 0
                    && Math.sqrt(KMeans.dist2(z, m.centroids()[current]))
                            <= Math.sqrt(KMeans.dist2(z, m.centroids()[nearest]))
                                    + settings.margin()) {
                index = current;
            }
            int id = m.ids()[index];
            if (s.segmentId >= 0 && s.segmentId != id) {
                moves.inc();
                ctx.output(
                        Descriptors.CHANGES,
                        new ProfileChange(
                                part.userId,
                                part.core.lastSeen,
                                "segment_changed",
                                Integer.toString(s.segmentId),
                                Integer.toString(id),
                                part.core.version));
            }
            s.segmentId = id;
            part.segment =
                    SegmentPart.of(
                            id,
                            m.labels()[index],
                            Math.sqrt(KMeans.dist2(z, m.centroids()[index])),
                            m.version(),
                            x);
        }
        if (m == null) {
            // No model yet: the profile shows the vector, not yet a segment.
            part.segment = SegmentPart.of(-1, null, Double.NaN, 0, x);
        }
        if (s.vector != null) {
            pending.apply(bucket(s.index), s.vector, -1);
        }
        pending.apply(bucket(index), x, +1);
        pending.maxTs = Math.max(pending.maxTs, part.core.lastSeen);
        // Users whose hash is below the model's bound (all users before the first model) keep
        // their current vector in the aggregator's bottom-k sample: uniform over users, bounded.
        long hash = io.portrait.profile.Hashing.hash64(part.userId);
        if (m == null || Long.compareUnsigned(hash, m.sampleBelow()) < 0) {
            pending.sample(hash, x);
        }
        s.vector = x;
        s.index = index;
        state.update(s);
        changed(ctx);
        out.collect(part);
    }

    /** Counts a change and sends the pending deltas when enough are pending or a timer is due. */
    private void changed(ReadOnlyContext ctx) {
        pendingChanges++;
        if (pendingChanges >= FLUSH_CHANGES) {
            flush(ctx);
        } else if (!flushTimerSet) {
            // Any key's timer will do: the pending deltas belong to the task, not to the key.
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            ctx.timerService().currentProcessingTime() + FLUSH_MILLIS);
            flushTimerSet = true;
        }
    }

    private void flush(ReadOnlyContext ctx) {
        if (!pending.isEmpty()) {
            ctx.output(Descriptors.CLUSTER_DELTAS, pending);
        }
        pending = ClusterDelta.empty(buckets());
        pendingChanges = 0;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ProfilePart> out) {
        flushTimerSet = false;
        flush(ctx);
    }

    @Override
    public void processBroadcastElement(
            ControlMessage message, Context ctx, Collector<ProfilePart> out) throws Exception {
        ControlState.apply(ctx.getBroadcastState(Descriptors.CONTROL), message);
    }

    static void merge(ClusterDelta into, ClusterDelta d) {
        for (int b = 0; b < Math.min(into.buckets, d.buckets); b++) {
            into.counts[b] += d.counts[b];
            into.adds[b] += d.adds[b];
        }
        for (int i = 0; i < Math.min(into.sums.length, d.sums.length); i++) {
            into.sums[i] += d.sums[i];
            into.sumSquares[i] += d.sumSquares[i];
        }
        for (int i = 0; i < d.sampleUsers.length; i++) {
            into.sample(
                    d.sampleUsers[i],
                    java.util.Arrays.copyOfRange(
                            d.samples, i * FeatureVector.D, (i + 1) * FeatureVector.D));
        }
        into.maxTs = Math.max(into.maxTs, d.maxTs);
    }
}
