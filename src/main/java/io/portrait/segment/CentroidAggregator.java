package io.portrait.segment;

import io.portrait.config.PortraitConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The single-task centroid aggregator (keyed by a constant, parallelism 1). It merges the
 * assigners' deltas into per-cluster statistics of the users' current vectors and, on a cadence,
 * updates the model:
 *
 * <ul>
 *   <li>before a model exists, k-means++ (then Lloyd) on the reservoir once it holds enough
 *       vectors;
 *   <li>afterwards the decayed mini-batch rule c' = (a·n·c + m·x̄)/(a·n + m), n' = a·n + m with a =
 *       2^(−Δt/half-life) over the event time Δt since the last update, x̄ the mean of the
 *       cluster's current members and m the members that joined since the last update;
 *   <li>a cluster whose weight falls below a fraction of the largest is re-seeded from the
 *       reservoir vector of the largest cluster farthest from its centre (a split);
 *   <li>when no user changed cluster since the last update (quiet input), Lloyd iterations on the
 *       reservoir from the current centres finish the convergence the decayed rule leaves short;
 *   <li>ids are matched to the previous version by the cheapest assignment, so renumbering never
 *       moves a user.
 * </ul>
 *
 * It emits each new version as a {@link SegmentModel} (to the compacted control topic and Redis),
 * with the scaler (mean and std of all current vectors) frozen into that version.
 */
public final class CentroidAggregator
        extends KeyedProcessFunction<Integer, ClusterDelta, SegmentModel> {
    static ValueStateDescriptor<AggregatorState> state() {
        return new ValueStateDescriptor<>(
                "centroid-aggregator", TypeExtractor.getForClass(AggregatorState.class));
    }

    static final int RESTARTS = 5;
    static final double BETTER = 0.03;
    static final double SETTLED = 1e-3;

    private final PortraitConfig.Segments settings;
    private transient long restarts;
    private transient long settles;
    private transient ValueState<AggregatorState> state;
    private transient Random random;
    private transient volatile double lastShift;
    private transient volatile double lastPsi;
    private transient volatile long[] sizes;

    public CentroidAggregator(PortraitConfig config) {
        this.settings = config.segments();
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(CentroidAggregator.state());
        random = new Random(42);
        sizes = new long[settings.k()];
        var g = getRuntimeContext().getMetricGroup().addGroup("segments");
        g.gauge("centroidShift", (Gauge<Double>) () -> lastShift);
        g.gauge("psi", (Gauge<Double>) () -> lastPsi);
        g.gauge("restarts", (Gauge<Long>) () -> restarts);
        g.gauge("settles", (Gauge<Long>) () -> settles);
        for (int j = 0; j < settings.k(); j++) {
            final int index = j;
            g.gauge("size" + j, (Gauge<Long>) () -> sizes[index]);
        }
    }

    @Override
    public void processElement(ClusterDelta d, Context ctx, Collector<SegmentModel> out)
            throws Exception {
        AggregatorState s = state.value();
        boolean first = s == null;
        if (first) {
            s = AggregatorState.create(settings.k(), settings.reservoir());
        }
        int n = Math.min(s.counts.length, d.counts.length);
        for (int b = 0; b < n; b++) {
            s.counts[b] += d.counts[b];
            s.adds[b] += d.adds[b];
        }
        for (int i = 0; i < Math.min(s.sums.length, d.sums.length); i++) {
            s.sums[i] += d.sums[i];
            s.sumSquares[i] += d.sumSquares[i];
        }
        for (int i = 0; i < d.sampleUsers.length; i++) {
            reservoirPut(
                    s,
                    d.sampleUsers[i],
                    Arrays.copyOfRange(d.samples, i * FeatureVector.D, (i + 1) * FeatureVector.D));
        }
        s.maxTs = Math.max(s.maxTs, d.maxTs);
        if (first) {
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            ctx.timerService().currentProcessingTime()
                                    + settings.updateInterval().toMillis());
        }
        state.update(s);
    }

    /**
     * Keeps a user's current vector in the sample: replaces the user's previous one, else adds it
     * while there is room, else replaces the largest user hash if this one is smaller (bottom-k by
     * hash: a uniform sample of users, the same users over time).
     */
    static void reservoirPut(AggregatorState s, long user, double[] x) {
        int d = FeatureVector.D;
        int capacity = s.reservoirUsers.length;
        int slot = -1;
        for (int i = 0; i < s.reservoirSize; i++) {
            if (s.reservoirUsers[i] == user) {
                slot = i;
                break;
            }
        }
        if (slot < 0 && s.reservoirSize < capacity) {
            slot = s.reservoirSize++;
        } else if (slot < 0) {
            int max = 0;
            for (int i = 1; i < s.reservoirSize; i++) {
                if (Long.compareUnsigned(s.reservoirUsers[i], s.reservoirUsers[max]) > 0) {
                    max = i;
                }
            }
            if (Long.compareUnsigned(user, s.reservoirUsers[max]) >= 0) {
                return;
            }
            slot = max;
        }
        s.reservoirUsers[slot] = user;
        System.arraycopy(x, 0, s.reservoir, slot * d, d);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SegmentModel> out)
            throws Exception {
        ctx.timerService()
                .registerProcessingTimeTimer(timestamp + settings.updateInterval().toMillis());
        AggregatorState s = state.value();
        if (s == null) {
            return;
        }
        SegmentModel model = update(s);
        if (model != null) {
            out.collect(model);
        }
        state.update(s);
    }

    /** One update; returns the new model version, or null when nothing changed. */
    SegmentModel update(AggregatorState s) {
        int k = settings.k();
        int d = FeatureVector.D;
        double[][] scaler = scaler(s);
        double[] previous = s.centroids.clone();
        if (!s.initialised) {
            if (s.reservoirSize < Math.max(settings.minSamples(), k)) {
                return null;
            }
            List<double[]> z = sample(s, scaler);
            double[][] c = KMeans.lloyd(z, KMeans.plusPlus(z, k, random), 50);
            s.centroids = new double[k * d];
            s.weights = new double[k];
            s.ids = new int[k];
            for (int j = 0; j < k; j++) {
                System.arraycopy(unstandardize(c[j], scaler), 0, s.centroids, j * d, d);
                s.ids[j] = j;
            }
            for (double[] p : z) {
                s.weights[KMeans.nearest(p, c)] += 1;
            }
            s.nextId = k;
            s.initialised = true;
            s.modelTs = s.maxTs;
        } else {
            long total = 0;
            for (long a : s.adds) {
                total += a;
            }
            if (total == 0) {
                // Quiet input: nothing to track, so finish converging on the sample.
                if (!settle(s, scaler)) {
                    return null;
                }
            } else {
                track(s, scaler);
            }
        }
        Arrays.fill(s.adds, 0);
        double[][] z = new double[k][];
        double[][] zPrev = new double[k][];
        for (int j = 0; j < k; j++) {
            z[j] = standardize(Arrays.copyOfRange(s.centroids, j * d, (j + 1) * d), scaler);
            zPrev[j] =
                    previous.length == 0
                            ? z[j]
                            : standardize(Arrays.copyOfRange(previous, j * d, (j + 1) * d), scaler);
        }
        if (previous.length > 0) {
            // Stable ids: the cheapest matching of new centres to the previous version's.
            int[] match = KMeans.match(zPrev, z);
            int[] ids = new int[k];
            for (int j = 0; j < k; j++) {
                ids[j] = s.ids[match[j]];
            }
            s.ids = ids;
        }
        double shift = 0;
        for (int j = 0; j < k; j++) {
            shift = Math.max(shift, Math.sqrt(KMeans.dist2(z[j], zPrev[j])));
        }
        long[] size = Arrays.copyOf(s.counts, k);
        lastShift = shift;
        lastPsi = psi(s.lastSizes, size);
        sizes = size;
        s.lastSizes = size;
        s.version++;
        String[] labels = new String[k];
        for (int j = 0; j < k; j++) {
            labels[j] = SegmentModel.label(z[j]);
        }
        return new SegmentModel(
                s.version,
                FeatureVector.VERSION,
                scaler[0],
                scaler[1],
                z,
                s.ids.clone(),
                labels,
                size,
                sampleBound(s));
    }

    /**
     * The decayed step toward where the sample's members now are (see the class comment), or a jump
     * to a clearly better optimum ({@link #restart}).
     */
    private void track(AggregatorState s, double[][] scaler) {
        int k = settings.k();
        int d = FeatureVector.D;
        long dt =
                s.maxTs == Long.MIN_VALUE || s.modelTs == Long.MIN_VALUE
                        ? 0
                        : Math.max(0, s.maxTs - s.modelTs);
        double a = Math.pow(2.0, -(double) dt / settings.halfLife().toMillis());
        double[][] targets = targets(s, scaler);
        boolean snapped = restart(s, scaler, targets);
        if (snapped) {
            targets = null;
        }
        for (int j = 0; j < k && targets != null; j++) {
            double[] c = Arrays.copyOfRange(s.centroids, j * d, (j + 1) * d);
            if (targets[j] != null && s.adds[j] > 0) {
                s.weights[j] = KMeans.decayedUpdate(c, s.weights[j], a, targets[j], s.adds[j]);
                System.arraycopy(c, 0, s.centroids, j * d, d);
            } else {
                s.weights[j] *= a;
            }
        }
        s.modelTs = Math.max(s.modelTs, s.maxTs);
        if (!snapped) {
            // A fresh optimum may hold a small but real cluster: judge dying ones later.
            reseed(s, scaler);
        }
    }

    /**
     * When no user changed cluster since the last update there is no drift to follow, and the
     * decayed rule would leave the centres where the last blend put them, short of the optimum they
     * were heading for. Lloyd iterations on the sample from the current centres finish the way (the
     * same local optimum, so ids and members stay); returns whether a centre moved more than
     * {@value #SETTLED} (standardised units), i.e. whether this is a new version.
     */
    boolean settle(AggregatorState s, double[][] scaler) {
        int k = settings.k();
        int d = FeatureVector.D;
        if (s.reservoirSize < k) {
            return false;
        }
        List<double[]> z = sample(s, scaler);
        double[][] now = centres(s, scaler);
        double[][] settled = KMeans.lloyd(z, now, 100);
        double shift = 0;
        int[] members = new int[k];
        for (double[] p : z) {
            members[KMeans.nearest(p, settled)]++;
        }
        for (int j = 0; j < k; j++) {
            if (members[j] == 0) {
                return false; // an empty centre: leave it to the tracking rule's re-seeding
            }
            shift = Math.max(shift, Math.sqrt(KMeans.dist2(now[j], settled[j])));
        }
        if (shift <= SETTLED || KMeans.wcss(z, settled) >= KMeans.wcss(z, now)) {
            return false;
        }
        for (int j = 0; j < k; j++) {
            System.arraycopy(unstandardize(settled[j], scaler), 0, s.centroids, j * d, d);
        }
        settles++;
        return true;
    }

    /**
     * Where each centroid should go now: a few Lloyd steps, from the current centroids, on the
     * sample of users' current vectors (raw units; null for a cluster without sampled members,
     * whose centre then falls back to the mean of its current members).
     */
    double[][] targets(AggregatorState s, double[][] scaler) {
        int k = settings.k();
        int d = FeatureVector.D;
        List<double[]> z = sample(s, scaler);
        double[][] c = centres(s, scaler);
        double[][] moved = z.isEmpty() ? c : KMeans.lloyd(z, c, 10);
        double[][] out = new double[k][];
        int[] members = new int[k];
        for (double[] p : z) {
            members[KMeans.nearest(p, moved)]++;
        }
        for (int j = 0; j < k; j++) {
            if (members[j] > 0) {
                out[j] = unstandardize(moved[j], scaler);
            } else if (s.counts[j] > 0) {
                out[j] = new double[d];
                for (int t = 0; t < d; t++) {
                    out[j][t] = s.sums[j * d + t] / s.counts[j];
                }
            }
        }
        return out;
    }

    /**
     * Online updates follow one local optimum, and with a long half-life they lag behind it. When
     * the sample shows a clearly better model — the Lloyd targets or one of a few k-means++
     * restarts with at least {@value #BETTER} lower sum of squares than the current centres — the
     * model moves there at once (blending two optima would be worse than either), ids matched as
     * always. Small changes keep following the decayed rule.
     */
    boolean restart(AggregatorState s, double[][] scaler, double[][] targets) {
        int k = settings.k();
        int d = FeatureVector.D;
        if (s.reservoirSize < k * 10) {
            return false;
        }
        List<double[]> z = sample(s, scaler);
        double[][] heading = new double[k][];
        for (int j = 0; j < k; j++) {
            double[] raw =
                    targets[j] != null
                            ? targets[j]
                            : Arrays.copyOfRange(s.centroids, j * d, (j + 1) * d);
            heading[j] = standardize(raw, scaler);
        }
        double[][] now = centres(s, scaler);
        double current = KMeans.wcss(z, now);
        double[][] best = null;
        double bestW = (1 - BETTER) * current;
        double headingW = KMeans.wcss(z, heading);
        if (headingW < bestW) {
            bestW = headingW;
            best = heading;
        }
        for (int r = 0; r < RESTARTS; r++) {
            double[][] candidate = KMeans.lloyd(z, KMeans.plusPlus(z, k, random), 50);
            double w = KMeans.wcss(z, candidate);
            if (w < bestW) {
                bestW = w;
                best = candidate;
            }
        }
        if (best == null) {
            return false;
        }
        int[] match = KMeans.match(now, best);
        double[] weights = new double[k];
        for (double[] p : z) {
            weights[match[KMeans.nearest(p, best)]] += 1;
        }
        for (int j = 0; j < k; j++) {
            System.arraycopy(unstandardize(best[j], scaler), 0, s.centroids, match[j] * d, d);
        }
        s.weights = weights;
        restarts++;
        return true;
    }

    /** The reservoir's vectors, standardised. */
    private static List<double[]> sample(AggregatorState s, double[][] scaler) {
        int d = FeatureVector.D;
        List<double[]> z = new ArrayList<>(s.reservoirSize);
        for (int i = 0; i < s.reservoirSize; i++) {
            z.add(standardize(Arrays.copyOfRange(s.reservoir, i * d, (i + 1) * d), scaler));
        }
        return z;
    }

    /** The current centres, standardised. */
    private static double[][] centres(AggregatorState s, double[][] scaler) {
        int d = FeatureVector.D;
        double[][] c = new double[s.centroids.length / d][];
        for (int j = 0; j < c.length; j++) {
            c[j] = standardize(Arrays.copyOfRange(s.centroids, j * d, (j + 1) * d), scaler);
        }
        return c;
    }

    /** Re-seeds clusters whose weight fell below a fraction of the largest, by splitting it. */
    private void reseed(AggregatorState s, double[][] scaler) {
        int k = settings.k();
        int d = FeatureVector.D;
        for (int j = 0; j < k; j++) {
            int largest = 0;
            for (int i = 1; i < k; i++) {
                if (s.weights[i] > s.weights[largest]) {
                    largest = i;
                }
            }
            if (j == largest || s.weights[j] >= settings.reseedFraction() * s.weights[largest]) {
                continue;
            }
            double[][] c = new double[k][];
            for (int i = 0; i < k; i++) {
                c[i] = Arrays.copyOfRange(s.centroids, i * d, (i + 1) * d);
            }
            double best = -1;
            double[] pick = null;
            for (int r = 0; r < s.reservoirSize; r++) {
                double[] x = Arrays.copyOfRange(s.reservoir, r * d, (r + 1) * d);
                if (KMeans.nearest(x, c) == largest) {
                    double dist =
                            KMeans.dist2(standardize(x, scaler), standardize(c[largest], scaler));
                    if (dist > best) {
                        best = dist;
                        pick = x;
                    }
                }
            }
            if (pick != null) {
                System.arraycopy(pick, 0, s.centroids, j * d, d);
                s.weights[j] = s.weights[largest] / 2;
                s.weights[largest] /= 2;
                s.ids[j] = s.nextId++;
            }
        }
    }

    /** The largest sampled hash when the sample is full (send only smaller ones), else all. */
    static long sampleBound(AggregatorState s) {
        if (s.reservoirSize < s.reservoirUsers.length) {
            return -1L; // unsigned maximum: every user
        }
        long max = s.reservoirUsers[0];
        for (int i = 1; i < s.reservoirSize; i++) {
            if (Long.compareUnsigned(s.reservoirUsers[i], max) > 0) {
                max = s.reservoirUsers[i];
            }
        }
        return max;
    }

    /** Population stability index between two size vectors (0 when either is empty). */
    static double psi(long[] before, long[] after) {
        if (before.length != after.length) {
            return 0;
        }
        double tb = 0;
        double ta = 0;
        for (int i = 0; i < before.length; i++) {
            tb += Math.max(0, before[i]);
            ta += Math.max(0, after[i]);
        }
        if (tb == 0 || ta == 0) {
            return 0;
        }
        double psi = 0;
        for (int i = 0; i < before.length; i++) {
            double p = Math.max(1e-6, before[i] / tb);
            double q = Math.max(1e-6, after[i] / ta);
            psi += (q - p) * Math.log(q / p);
        }
        return psi;
    }

    /** {mean, std} of all users' current vectors (every bucket, each user once). */
    static double[][] scaler(AggregatorState s) {
        int d = FeatureVector.D;
        long n = 0;
        double[] sum = new double[d];
        double[] sq = new double[d];
        for (int b = 0; b < s.counts.length; b++) {
            n += s.counts[b];
            for (int t = 0; t < d; t++) {
                sum[t] += s.sums[b * d + t];
                sq[t] += s.sumSquares[b * d + t];
            }
        }
        double[] mean = new double[d];
        double[] std = new double[d];
        for (int t = 0; t < d; t++) {
            mean[t] = n == 0 ? 0 : sum[t] / n;
            double var = n < 2 ? 1 : Math.max(0, sq[t] / n - mean[t] * mean[t]);
            std[t] = Math.max(1e-6, Math.sqrt(var));
        }
        return new double[][] {mean, std};
    }

    static double[] standardize(double[] x, double[][] scaler) {
        double[] z = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            z[t] = (x[t] - scaler[0][t]) / scaler[1][t];
        }
        return z;
    }

    static double[] unstandardize(double[] z, double[][] scaler) {
        double[] x = new double[z.length];
        for (int t = 0; t < z.length; t++) {
            x[t] = z[t] * scaler[1][t] + scaler[0][t];
        }
        return x;
    }
}
