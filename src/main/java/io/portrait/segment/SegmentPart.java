package io.portrait.segment;

/** The segment group of a profile, as the assigner sends it to the assembler. */
public class SegmentPart {
    public int id;
    public String label;

    /** Distance to the segment's centroid, in standardised units. */
    public double distance;

    public long modelVersion;

    /** The raw feature vector the assignment was made from (docs/segments.md). */
    public double[] vector;

    public SegmentPart() {}

    public static SegmentPart of(int id, String label, double distance, long version, double[] v) {
        SegmentPart p = new SegmentPart();
        p.id = id;
        p.label = label;
        p.distance = distance;
        p.modelVersion = version;
        p.vector = v;
        return p;
    }
}
