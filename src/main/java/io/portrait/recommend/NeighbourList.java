package io.portrait.recommend;

/**
 * An item's nearest neighbours, sent to the user who just interacted with it (keyed by {@link
 * #userId}); {@code erase} instead tells the recommender to forget the user. A Flink POJO.
 */
public class NeighbourList {
    public String userId;
    public String item;
    public double weight;
    public long ts;
    public String action;
    public String[] neighbours = new String[0];
    public double[] similarities = new double[0];
    public boolean erase;

    public NeighbourList() {}

    static NeighbourList erase(String userId, long ts) {
        NeighbourList n = new NeighbourList();
        n.userId = userId;
        n.ts = ts;
        n.erase = true;
        return n;
    }

    public String getUserId() {
        return userId;
    }
}
