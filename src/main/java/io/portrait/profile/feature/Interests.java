package io.portrait.profile.feature;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Category affinity with event-time exponential decay (half-life), weighted by event type, over a
 * bounded set of categories: when the set is full, the weakest category is replaced (its decayed
 * score carried over, as in space-saving top-k). Parallel arrays keep the state a compact POJO.
 */
public class Interests {
    public String[] categories = new String[0];
    public double[] scores = new double[0];
    public long refTs = Long.MIN_VALUE;

    public Interests() {}

    public void add(String category, double weight, long ts, long halfLifeMillis, int capacity) {
        if (refTs == Long.MIN_VALUE) {
            refTs = ts;
        }
        if (ts > refTs) {
            double f = Decay.halfLife(ts - refTs, halfLifeMillis);
            for (int i = 0; i < scores.length; i++) {
                scores[i] *= f;
            }
            refTs = ts;
        }
        double w = weight * Decay.halfLife(refTs - ts, halfLifeMillis);
        for (int i = 0; i < categories.length; i++) {
            if (categories[i].equals(category)) {
                scores[i] += w;
                return;
            }
        }
        if (categories.length < capacity) {
            categories = Arrays.copyOf(categories, categories.length + 1);
            scores = Arrays.copyOf(scores, scores.length + 1);
            categories[categories.length - 1] = category;
            scores[scores.length - 1] = w;
            return;
        }
        int weakest = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] < scores[weakest]) {
                weakest = i;
            }
        }
        categories[weakest] = category;
        scores[weakest] += w;
    }

    /** The top {@code k} categories with their share of the total score, strongest first. */
    public Map<String, Double> top(int k) {
        double total = 0;
        for (double s : scores) {
            total += s;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(scores[b], scores[a]));
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(k, order.size()) && total > 0; i++) {
            out.put(categories[order.get(i)], scores[order.get(i)] / total);
        }
        return out;
    }

    public Interests copy() {
        Interests c = new Interests();
        c.categories = categories.clone();
        c.scores = scores.clone();
        c.refTs = refTs;
        return c;
    }
}
