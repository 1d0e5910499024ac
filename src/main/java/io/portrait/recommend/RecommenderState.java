package io.portrait.recommend;

/**
 * A user's candidate items (bounded) with decayed scores and the reason of each (the user's item
 * that contributed most and the action on it), the hashes of items the user already touched (a
 * bounded ring), and the last list sent. POJO.
 */
public class RecommenderState {
    public String[] items = new String[0];
    public float[] scores = new float[0];
    public float[] best = new float[0];
    public String[] because = new String[0];

    /** The action on {@link #because}: an {@code EventType} ordinal. */
    public byte[] actions = new byte[0];

    public long ts = Long.MIN_VALUE;

    /** 32-bit hashes of items the user touched, a ring of the configured size. */
    public int[] touched = new int[0];

    public int touchedNext;

    /** Hash of the item ids of the last list sent (to send only changes). */
    public long sent;

    /**
     * Event time of the user's erase: neighbour lists of earlier events, still on their way through
     * the item stages, are dropped. {@code Long.MIN_VALUE} when the user was not erased.
     */
    public long erasedAt = Long.MIN_VALUE;

    public RecommenderState() {}
}
