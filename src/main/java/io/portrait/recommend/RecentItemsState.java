package io.portrait.recommend;

/** A user's most recent distinct items, oldest first, bounded by the configured size. POJO. */
public class RecentItemsState {
    public String[] items = new String[0];
    public double[] weights = new double[0];
    public long[] ts = new long[0];
    public long lastTs = Long.MIN_VALUE;
    public long timer;

    public RecentItemsState() {}
}
