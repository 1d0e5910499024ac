package io.portrait.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.profile.CoreFeatures;
import io.portrait.testing.Harnesses;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The segment assigner and the centroid aggregator in Flink's operator test harnesses. */
class SegmentOperatorsTest {

    static final PortraitConfig CONFIG =
            PortraitConfig.defaults()
                    .with(Map.of("portrait.segment.k", "2", "portrait.segment.min-samples", "4"));

    static KeyedOneInputStreamOperatorTestHarness<Integer, ClusterDelta, SegmentModel> aggregator(
            CentroidAggregator fn,
            org.apache.flink.runtime.state.StateBackend backend,
            org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore)
            throws Exception {
        return Harnesses.keyedBy(fn, d -> 0, Types.INT, backend, restore);
    }

    static CoreFeatures core(long orders, long total) {
        CoreFeatures f = new CoreFeatures();
        f.version = total;
        f.total = total;
        f.orders = orders;
        f.purchaseMinor = orders * 5_000;
        f.lastSeen = 1_764_000_000_000L;
        f.lastPurchaseAt = orders == 0 ? null : f.lastSeen;
        return f;
    }

    /** A model with two segments (ids 7 and 9) in a unit-scaled space. */
    static SegmentModel model(double[] c7, double[] c9, long version) {
        double[] zeros = new double[FeatureVector.D];
        double[] ones = new double[FeatureVector.D];
        java.util.Arrays.fill(ones, 1);
        SegmentModel m =
                new SegmentModel(
                        version,
                        1,
                        zeros,
                        ones,
                        new double[][] {c7, c9},
                        new int[] {7, 9},
                        new String[] {"low", "high"},
                        new long[] {0, 0},
                        -1L);
        // Through its control-topic form, as the user operator receives it.
        return SegmentModel.fromJson(version, m.toJson());
    }

    static double[] at(double orders) {
        double[] x = new double[FeatureVector.D];
        x[0] = orders;
        return x;
    }

    @Test
    void assignsWithHysteresisAndReportsMoves() {
        SegmentAssign assign = new SegmentAssign(CONFIG);
        SegmentState s = new SegmentState();
        ClusterDelta pending = ClusterDelta.empty(assign.buckets());
        List<String> moves = new java.util.ArrayList<>();
        SegmentAssign.Moves record = (from, to) -> moves.add(from + "→" + to);
        assertThat(assign.assign(s, core(1, 1), "u", null, pending, record).id)
                .as("no model yet")
                .isEqualTo(-1);

        SegmentModel m1 = model(at(0), at(4), 1);
        // log1p(1) ≈ 0.69: nearer 7
        assertThat(assign.assign(s, core(1, 2), "u", m1, pending, record).id).isEqualTo(7);
        // log1p(6) ≈ 1.95: still nearer 7 (2.05 from 9)
        assertThat(assign.assign(s, core(6, 3), "u", m1, pending, record).id).isEqualTo(7);
        // log1p(20) ≈ 3.04: clearly 9
        assertThat(assign.assign(s, core(20, 4), "u", m1, pending, record).id).isEqualTo(9);
        assertThat(moves).containsExactly("7→9");
        assertThat(assign.describe(s, core(20, 4), m1).id)
                .as("described without a new assignment")
                .isEqualTo(9);

        // Renumbering a centre (ids swapped with the centroids) does not move the user.
        SegmentModel m2 = model(at(4), at(0), 2);
        assertThat(assign.assign(s, core(20, 5), "u", m2, pending, record).id)
                .as("the centre at 4 now has id 7")
                .isEqualTo(7);
    }

    @Test
    void aUserWhoseSegmentLeftTheModelIsShownItsNearestWithoutAMove() {
        SegmentAssign assign = new SegmentAssign(CONFIG);
        SegmentState s = new SegmentState();
        ClusterDelta pending = ClusterDelta.empty(assign.buckets());
        assign.assign(s, core(20, 4), "u", model(at(0), at(4), 1), pending, (a, b) -> {});
        assertThat(s.segmentId).isEqualTo(9);
        // A model whose ids no longer include 9 (a reseed renumbered it).
        SegmentModel renumbered =
                new SegmentModel(
                        2,
                        1,
                        new double[FeatureVector.D],
                        ones(),
                        new double[][] {at(0), at(4)},
                        new int[] {7, 11},
                        new String[] {"low", "high"},
                        new long[] {0, 0},
                        -1L);
        SegmentPart part = assign.describe(s, core(20, 4), renumbered);
        assertThat(part.id).isEqualTo(11);
        assertThat(part.label).isEqualTo("high");
        assertThat(part.distance).isFinite();
        assertThat(s.segmentId).as("nothing recorded").isEqualTo(9);
        assertThat(assign.describe(s, core(20, 4), null).id).as("no model").isEqualTo(-1);
    }

    static double[] ones() {
        double[] o = new double[FeatureVector.D];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    @Test
    void aUserCountsOnceInTheStatisticsAndTheStateRoundTrips() {
        SegmentAssign assign = new SegmentAssign(CONFIG);
        SegmentState s = new SegmentState();
        ClusterDelta d = ClusterDelta.empty(assign.buckets());
        for (int i = 1; i <= 3; i++) {
            assign.assign(s, core(i, i), "u", null, d, (a, b) -> {});
            io.portrait.common.Wire.Out out = new io.portrait.common.Wire.Out(16);
            SegmentAssign.write(s, out);
            s = SegmentAssign.read(new io.portrait.common.Wire.In(out.toByteArray()));
        }
        int unassigned = CONFIG.segments().k();
        assertThat(d.counts[unassigned]).as("three updates, one user").isEqualTo(1);
        assertThat(d.sums[unassigned * FeatureVector.D])
                .isCloseTo(Math.log1p(3), org.assertj.core.api.Assertions.within(1e-9));
        assertThat(d.built().sampleUsers).hasSize(1);
        assign.remove(s, d);
        assertThat(d.counts[unassigned]).as("erase takes the user out").isZero();
    }

    @Test
    void aDyingClusterIsReseededFromTheLargest() throws Exception {
        CentroidAggregator agg = new CentroidAggregator(CONFIG);
        try (var h = aggregator(agg, Harnesses.heap(), null)) {
            int d = FeatureVector.D;
            AggregatorState s = AggregatorState.create(2, 16);
            s.initialised = true;
            s.version = 3;
            s.centroids = new double[2 * d];
            s.centroids[d] = 10; // centre 1 at x0 = 10, centre 0 at the origin
            s.weights = new double[] {0.001, 100};
            s.ids = new int[] {4, 5};
            s.nextId = 6;
            // Members: all near centre 1; the farthest sample point from it is x0 = 14.
            for (double x0 : new double[] {9, 10, 11, 14}) {
                double[] v = at(x0);
                s.counts[1]++;
                s.adds[1]++;
                for (int t = 0; t < d; t++) {
                    s.sums[d + t] += v[t];
                    s.sumSquares[d + t] += v[t] * v[t];
                }
                CentroidAggregator.reservoirPut(s, (long) x0, v);
            }
            SegmentModel m = agg.update(s);
            assertThat(s.centroids[0])
                    .as("re-seeded at the farthest member of the largest")
                    .isEqualTo(14);
            assertThat(s.weights[0]).isEqualTo(s.weights[1]);
            assertThat(m.ids()).contains(5).doesNotContain(4);
            assertThat(m.version()).isEqualTo(4);
        }
    }

    @Test
    void quietInputFinishesConvergingOnTheSampleThenPublishesNothing() throws Exception {
        CentroidAggregator agg = new CentroidAggregator(CONFIG);
        try (var h = aggregator(agg, Harnesses.heap(), null)) {
            int d = FeatureVector.D;
            AggregatorState s = AggregatorState.create(2, 16);
            s.initialised = true;
            s.version = 7;
            s.centroids = new double[2 * d];
            s.centroids[0] = 1.5; // short of the members' mean 1, as a decayed blend leaves it
            s.centroids[d] = 9; // short of the members' mean 10
            s.weights = new double[] {3, 3};
            s.ids = new int[] {4, 5};
            s.nextId = 6;
            double[] members = {0, 1, 2, 9, 10, 11};
            for (double x0 : members) {
                double[] v = at(x0);
                int b = x0 < 5 ? 0 : 1;
                s.counts[b]++; // no adds: nobody changed cluster since the last version
                for (int t = 0; t < d; t++) {
                    s.sums[b * d + t] += v[t];
                    s.sumSquares[b * d + t] += v[t] * v[t];
                }
                CentroidAggregator.reservoirPut(s, (long) x0, v);
            }
            SegmentModel m = agg.update(s);
            assertThat(m).as("a new version at the sample's optimum").isNotNull();
            assertThat(m.version()).isEqualTo(8);
            assertThat(m.ids()).containsExactly(4, 5);
            assertThat(s.centroids[0]).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(s.centroids[d]).isCloseTo(10, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(agg.update(s)).as("converged: nothing more to publish").isNull();
        }
    }

    @Test
    void theAggregatorSurvivesSnapshotAndRestore() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        ClusterDelta d = ClusterDelta.empty(3);
        for (int i = 0; i < 8; i++) {
            double[] x = at(i < 4 ? 0.1 * i : 5 + 0.1 * i);
            d.apply(2, x, +1);
            d.sample(i, x);
        }
        try (var h = aggregator(new CentroidAggregator(CONFIG), Harnesses.rocksDb(), null)) {
            h.processElement(d, 0);
            h.setProcessingTime(CONFIG.segments().updateInterval().toMillis());
            assertThat(h.extractOutputValues()).hasSize(1);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = aggregator(new CentroidAggregator(CONFIG), Harnesses.rocksDb(), snapshot)) {
            ClusterDelta more = ClusterDelta.empty(3);
            more.apply(0, at(0.2), +1);
            h.processElement(more, 0);
            h.setProcessingTime(10 * CONFIG.segments().updateInterval().toMillis());
            assertThat(h.extractOutputValues())
                    .as("continues from version 1")
                    .extracting(SegmentModel::version)
                    .containsExactly(2L);
        }
    }

    @Test
    void theAggregatorInitialisesFromTheSampleAndPublishesVersions() throws Exception {
        try (var h = aggregator(new CentroidAggregator(CONFIG), Harnesses.heap(), null)) {
            ClusterDelta d = ClusterDelta.empty(3);
            for (int i = 0; i < 8; i++) {
                double[] x = at(i < 4 ? 0.1 * i : 5 + 0.1 * i);
                d.apply(2, x, +1);
                d.sample(i, x);
            }
            h.processElement(d, 0);
            h.setProcessingTime(CONFIG.segments().updateInterval().toMillis());
            List<SegmentModel> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            SegmentModel m = out.get(0);
            assertThat(m.version()).isEqualTo(1);
            assertThat(m.ids()).containsExactlyInAnyOrder(0, 1);
            double[] o0 = m.original(0);
            double[] o1 = m.original(1);
            assertThat(Math.min(o0[0], o1[0]))
                    .isCloseTo(0.15, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(Math.max(o0[0], o1[0]))
                    .isCloseTo(5.55, org.assertj.core.api.Assertions.within(1e-9));
            // Nothing changed: no new version.
            h.setProcessingTime(2 * CONFIG.segments().updateInterval().toMillis());
            assertThat(h.extractOutputValues()).hasSize(1);
        }
    }
}
