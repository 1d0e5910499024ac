package io.portrait.recommend;

/** An item's occurrence count, decayed in event time from {@link #ts}. POJO. */
public class ItemCount {
    public double count;
    public long ts = Long.MIN_VALUE;
    public long timer;

    public ItemCount() {}
}
