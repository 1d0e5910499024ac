package io.portrait.recommend;

import java.util.Arrays;

/**
 * The profile's {@code recommendations} group: the top items for a user with their scores and the
 * reason (the item of the user's that contributed most, and what the user did with it), as of event
 * time {@link #ts}. A Flink POJO; the assembler keeps the latest one per user.
 */
public class RecommendationPart {
    public String[] items = new String[0];
    public double[] scores = new double[0];
    public String[] because = new String[0];
    public String[] actions = new String[0];
    public long ts;

    public RecommendationPart() {}

    public boolean sameItems(RecommendationPart o) {
        return o != null && Arrays.equals(items, o.items);
    }
}
