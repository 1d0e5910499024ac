package io.portrait.segment;

/**
 * State of the centroid aggregator, O(k·d + reservoir): per-bucket statistics of the users' current
 * vectors, the centroids in raw units with their decayed weights and stable ids, and a bounded
 * reservoir sample of raw vectors (for k-means++ and re-seeding). Flattened arrays.
 */
public class AggregatorState {
    public long[] counts;
    public long[] adds;
    public double[] sums;
    public double[] sumSquares;

    public boolean initialised;
    public long version;
    public double[] centroids = new double[0];
    public double[] weights = new double[0];
    public int[] ids = new int[0];
    public int nextId;
    public long modelTs = Long.MIN_VALUE;
    public long maxTs = Long.MIN_VALUE;
    public long[] lastSizes = new long[0];

    /** Current vectors of sampled users (bottom hashes kept when full), and their user hashes. */
    public double[] reservoir = new double[0];

    public long[] reservoirUsers = new long[0];
    public int reservoirSize;

    public AggregatorState() {}

    static AggregatorState create(int k, int reservoir) {
        AggregatorState s = new AggregatorState();
        s.counts = new long[k + 1];
        s.adds = new long[k + 1];
        s.sums = new double[(k + 1) * FeatureVector.D];
        s.sumSquares = new double[(k + 1) * FeatureVector.D];
        s.reservoir = new double[reservoir * FeatureVector.D];
        s.reservoirUsers = new long[reservoir];
        return s;
    }
}
