package io.portrait.testing;

import io.portrait.recommend.RecommendationPart;
import java.util.Arrays;

/** Recommendation lists for tests: every item scored 0.5, because of item "seed", viewed. */
public final class TestRecommendations {
    private TestRecommendations() {}

    public static RecommendationPart of(long ts, String... items) {
        RecommendationPart r = new RecommendationPart();
        r.items = items;
        r.scores = new double[items.length];
        r.because = new String[items.length];
        r.actions = new String[items.length];
        Arrays.fill(r.scores, 0.5);
        Arrays.fill(r.because, "seed");
        Arrays.fill(r.actions, "view");
        r.ts = ts;
        return r;
    }
}
