package io.portrait.segment;

/**
 * Keyed state of the assigner: the user's current contribution to the centroid statistics (its raw
 * vector and the cluster index it was added to; -1 = not yet assigned) and its segment id.
 */
public class SegmentState {
    public double[] vector;
    public int index = -1;
    public int segmentId = -1;

    public SegmentState() {}
}
