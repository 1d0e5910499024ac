package io.portrait.recommend;

/**
 * A user's candidate items (bounded) with decayed scores and the reason of each (the user's item
 * that contributed most and the action on it), the hashes of items the user already touched (a
 * bounded ring), and the last list sent. POJO.
 */
public class RecommenderState {
    public String[] items = new String[0];
    public double[] scores = new double[0];
    public double[] best = new double[0];
    public String[] because = new String[0];
    public String[] actions = new String[0];
    public long ts = Long.MIN_VALUE;
    public long[] touched = new long[0];
    public int touchedNext;
    public String[] sent = new String[0];

    public RecommenderState() {}
}
