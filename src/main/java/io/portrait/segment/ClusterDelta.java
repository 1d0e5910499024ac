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

    /** Samples held while the delta is built (the arrays above may have spare room until then). */
    private transient int sampled = -1;

    /** Where each sampled user's vector is, while the delta is built. */
    private transient java.util.Map<Long, Integer> sampleIndex;

    /**
     * Adds a user's current vector to the samples (a later one for the same user wins). Amortised
     * O(D): the arrays grow by doubling while the delta is built; {@link #built()} trims them.
     */
    public void sample(long userHash, double[] x) {
        if (sampled < 0) {
            sampled = sampleUsers.length;
            sampleIndex = new java.util.HashMap<>();
            for (int i = 0; i < sampled; i++) {
                sampleIndex.put(sampleUsers[i], i);
            }
        }
        Integer at = sampleIndex.get(userHash);
        if (at != null) {
            System.arraycopy(x, 0, samples, at * x.length, x.length);
            return;
        }
        if (sampled == sampleUsers.length) {
            int grown = Math.max(8, sampled * 2);
            sampleUsers = java.util.Arrays.copyOf(sampleUsers, grown);
            samples = java.util.Arrays.copyOf(samples, grown * x.length);
        }
        System.arraycopy(x, 0, samples, sampled * x.length, x.length);
        sampleUsers[sampled] = userHash;
        sampleIndex.put(userHash, sampled);
        sampled++;
    }

    /** Samples added so far. */
    public int sampleCount() {
        return sampled < 0 ? sampleUsers.length : sampled;
    }

    /** The delta to send: sample arrays trimmed to what was added. */
    public ClusterDelta built() {
        if (sampled >= 0 && sampled < sampleUsers.length) {
            sampleUsers = java.util.Arrays.copyOf(sampleUsers, sampled);
            samples = java.util.Arrays.copyOf(samples, sampled * FeatureVector.D);
        }
        sampled = -1;
        sampleIndex = null;
        return this;
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
        return sampleCount() == 0;
    }
}
