package io.portrait.bench;

import io.portrait.config.PortraitConfig;
import io.portrait.profile.CoreFeatures;
import io.portrait.segment.FeatureVector;
import io.portrait.segment.KMeans;
import io.portrait.segment.SegmentModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The segment stage's per-event arithmetic: the user's feature vector from the core features,
 * standardised and assigned to the nearest of {@code k} centroids (what SegmentAssigner does for
 * every event), and the nearest-centroid search alone; plus the aggregator's batch refit (Lloyd on
 * a sample) for scale.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xms1g", "-Xmx1g"})
public class SegmentBenchmark {
    @Param({"4", "16"})
    int k;

    CoreFeatures core;
    SegmentModel model;
    double[][] points;
    List<double[]> sample;
    int next;
    double minorPerUnit;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        core = io.portrait.testing.TestProfiles.core(200, 5);
        minorPerUnit = Math.pow(10, PortraitConfig.defaults().money().baseFractionDigits());
        Random r = new Random(7);
        int d = FeatureVector.D;
        double[][] centroids = new double[k][d];
        for (double[] c : centroids) {
            for (int i = 0; i < d; i++) {
                c[i] = r.nextGaussian();
            }
        }
        double[] mean = new double[d];
        double[] std = new double[d];
        Arrays.fill(std, 1.0);
        int[] ids = new int[k];
        String[] labels = new String[k];
        for (int i = 0; i < k; i++) {
            ids[i] = i;
            labels[i] = "s" + i;
        }
        model =
                new SegmentModel(
                        1,
                        FeatureVector.VERSION,
                        mean,
                        std,
                        centroids,
                        ids,
                        labels,
                        new long[k],
                        0);
        points = new double[1024][d];
        sample = new ArrayList<>();
        for (double[] p : points) {
            for (int i = 0; i < d; i++) {
                p[i] = r.nextGaussian() * 2;
            }
            sample.add(p);
        }
    }

    /** Per event in the job: vector, standardise, nearest centroid. */
    @Benchmark
    public int assignFromFeatures() {
        double[] z = model.standardize(FeatureVector.of(core, minorPerUnit));
        return KMeans.nearest(z, model.centroids());
    }

    /** The nearest-centroid search alone. */
    @Benchmark
    public int nearestCentroid() {
        next = (next + 1) & 1023;
        return KMeans.nearest(points[next], model.centroids());
    }

    /** A batch refit of 1 024 points (10 Lloyd iterations), the aggregator's re-seeding scale. */
    @Benchmark
    public double[][] lloyd1024() {
        return KMeans.lloyd(sample, model.centroids(), 10);
    }
}
