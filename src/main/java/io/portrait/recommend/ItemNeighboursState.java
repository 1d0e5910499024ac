package io.portrait.recommend;

/**
 * An item's co-occurrence candidates (bounded; the weakest is replaced when full) with each
 * candidate's decayed co-occurrence and last known occurrence count, and the item's own count.
 * POJO.
 */
public class ItemNeighboursState {
    public double selfCount;
    public long selfTs = Long.MIN_VALUE;
    public String[] items = new String[0];
    public double[] co = new double[0];
    public double[] counts = new double[0];
    public long[] ts = new long[0];
    public long timer;

    public ItemNeighboursState() {}
}
