package io.portrait.segment;

/**
 * Pre-aggregated changes of one assigner task to the per-cluster statistics of current vectors: for
 * each bucket (k clusters plus one "unassigned" bucket) the change of member count, of the sum and
 * of the sum of squares of raw vectors, and the members added (activity). Flattened arrays keep it
 * a POJO. {@code samples} holds some raw vectors (n × d) for the aggregator's reservoir.
 */
public class ClusterDelta {
    public int buckets;
    public long[] counts;
    public long[] adds;
    public double[] sums;
    public double[] sumSquares;
    public double[] samples = new double[0];

    /** 64-bit user hashes of {@link #samples}, one per vector. */
    public long[] sampleUsers = new long[0];

    public long maxTs = Long.MIN_VALUE;

    public ClusterDelta() {}

    public static ClusterDelta empty(int buckets) {
        ClusterDelta d = new ClusterDelta();
        d.buckets = buckets;
        d.counts = new long[buckets];
        d.adds = new long[buckets];
        d.sums = new double[buckets * FeatureVector.D];
        d.sumSquares = new double[buckets * FeatureVector.D];
        return d;
    }

    /** Adds (sign +1) or removes (sign −1) one vector in a bucket. */
    public void apply(int bucket, double[] x, int sign) {
        counts[bucket] += sign;
        if (sign > 0) {
            adds[bucket]++;
        }
        for (int t = 0; t < x.length; t++) {
            sums[bucket * FeatureVector.D + t] += sign * x[t];
            sumSquares[bucket * FeatureVector.D + t] += sign * x[t] * x[t];
        }
    }

    /** Adds a user's current vector to the samples (a later one for the same user wins). */
    public void sample(long userHash, double[] x) {
        for (int i = 0; i < sampleUsers.length; i++) {
            if (sampleUsers[i] == userHash) {
                System.arraycopy(x, 0, samples, i * x.length, x.length);
                return;
            }
        }
        double[] s = java.util.Arrays.copyOf(samples, samples.length + x.length);
        System.arraycopy(x, 0, s, samples.length, x.length);
        samples = s;
        sampleUsers = java.util.Arrays.copyOf(sampleUsers, sampleUsers.length + 1);
        sampleUsers[sampleUsers.length - 1] = userHash;
    }

    public boolean isEmpty() {
        for (long c : adds) {
            if (c != 0) {
                return false;
            }
        }
        for (long c : counts) {
            if (c != 0) {
                return false;
            }
        }
        return samples.length == 0;
    }
}
