package io.portrait.recommend;

import io.portrait.common.Hashing;
import io.portrait.config.PortraitConfig;
import io.portrait.event.EventType;
import io.portrait.profile.ProfileRecord;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Last stage, keyed by user: each neighbour list of an item the user just touched adds {@code
 * similarity × interaction weight} to those neighbours' scores (scores decay in event time), the
 * touched item stops being a candidate, and items the user already touched (a bounded memory of
 * hashes) never become one — bought ones included. When the top N changes, it writes the list to
 * {@code portrait:recommendations:<user_id>} (readers show it as the profile's {@code
 * recommendations} group) and, if an audit topic is configured, to the recommendation log (side
 * output) for offline evaluation.
 */
public final class Recommender extends KeyedProcessFunction<String, NeighbourList, ProfileRecord> {
    /** Every recommendation list given, for the optional recommendation log topic. */
    public static final OutputTag<RecommendationLog> LOG =
            new OutputTag<>(
                    "recommendation-log", TypeExtractor.getForClass(RecommendationLog.class));

    static ValueStateDescriptor<RecommenderState> state() {
        return new ValueStateDescriptor<>(
                "recommender", TypeExtractor.getForClass(RecommenderState.class));
    }

    /** How long (event time) after an erase lists from before it are dropped. */
    static final long ERASE_GRACE_MILLIS = 86_400_000L;

    private final PortraitConfig.Recommend settings;
    private final long halfLife;
    private transient ValueState<RecommenderState> state;

    public Recommender(PortraitConfig config) {
        this.settings = config.recommend();
        this.halfLife = settings.halfLife().toMillis();
    }

    @Override
    public void open(OpenContext ctx) {
        state = getRuntimeContext().getState(Recommender.state());
    }

    @Override
    public void processElement(NeighbourList n, Context ctx, Collector<ProfileRecord> out)
            throws Exception {
        if (n.erase) {
            // Forget everything but a marker: lists of the user's earlier events may still be on
            // their way through the item stages and must not bring the candidates back. The
            // marker goes a day of event time later.
            RecommenderState marker = new RecommenderState();
            marker.erasedAt = n.ts;
            state.update(marker);
            ctx.timerService().registerEventTimeTimer(n.ts + ERASE_GRACE_MILLIS);
            return;
        }
        RecommenderState s = state.value();
        if (s == null) {
            s = new RecommenderState();
        } else if (n.ts <= s.erasedAt) {
            return; // from before the erase
        }
        apply(s, n, settings.candidates(), settings.touchedMemory(), halfLife);
        RecommendationPart top = top(s, settings.topN());
        long hash = Hashing.hash64(String.join("\u0000", top.items));
        if (hash != s.sent) {
            s.sent = hash;
            out.collect(ProfileRecord.recommendations(n.userId, RecommendationJson.of(top)));
            ctx.output(Recommender.LOG, new RecommendationLog(n.userId, top));
        }
        state.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ProfileRecord> out)
            throws Exception {
        RecommenderState s = state.value();
        if (s == null || s.erasedAt == Long.MIN_VALUE) {
            return;
        }
        if (s.items.length == 0 && s.touched.length == 0) {
            state.clear(); // still only the marker
        } else {
            s.erasedAt = Long.MIN_VALUE; // the user came back meanwhile
            state.update(s);
        }
    }

    /** Folds one neighbour list into the user's candidates. */
    static void apply(
            RecommenderState s, NeighbourList n, int maxCandidates, int memory, long halfLife) {
        long t = Math.max(s.ts, n.ts);
        for (int k = 0; k < s.items.length; k++) {
            s.scores[k] = (float) Similarity.decay(s.scores[k], s.ts, t, halfLife);
            s.best[k] = (float) Similarity.decay(s.best[k], s.ts, t, halfLife);
        }
        s.ts = t;
        touch(s, n.item, memory);
        remove(s, n.item);
        for (int j = 0; j < n.neighbours.length; j++) {
            String item = n.neighbours[j];
            if (touched(s, item)) {
                continue;
            }
            double contribution = n.similarities[j] * n.weight;
            int k = indexOf(s.items, item);
            if (k < 0) {
                k = s.items.length;
                s.items = Arrays.copyOf(s.items, k + 1);
                s.scores = Arrays.copyOf(s.scores, k + 1);
                s.best = Arrays.copyOf(s.best, k + 1);
                s.because = Arrays.copyOf(s.because, k + 1);
                s.actions = Arrays.copyOf(s.actions, k + 1);
                s.items[k] = item;
            }
            s.scores[k] += (float) contribution;
            if (contribution >= s.best[k]) {
                s.best[k] = (float) contribution;
                s.because[k] = n.item;
                s.actions[k] = action(n.action);
            }
        }
        if (s.items.length > maxCandidates) {
            Integer[] order = byScore(s);
            keep(s, Arrays.copyOf(order, maxCandidates));
        }
    }

    /** The top {@code n} candidates by score. */
    static RecommendationPart top(RecommenderState s, int n) {
        Integer[] order = byScore(s);
        int m = Math.min(n, order.length);
        RecommendationPart p = new RecommendationPart();
        p.items = new String[m];
        p.scores = new double[m];
        p.because = new String[m];
        p.actions = new String[m];
        for (int j = 0; j < m; j++) {
            int k = order[j];
            p.items[j] = s.items[k];
            p.scores[j] = s.scores[k];
            p.because[j] = s.because[k];
            p.actions[j] = s.actions[k] < 0 ? null : EventType.values()[s.actions[k]].wireName();
        }
        p.ts = s.ts;
        return p;
    }

    private static Integer[] byScore(RecommenderState s) {
        Integer[] order = new Integer[s.items.length];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        Arrays.sort(
                order,
                Comparator.comparingDouble((Integer k) -> -s.scores[k])
                        .thenComparing(k -> s.items[k]));
        return order;
    }

    private static void keep(RecommenderState s, Integer[] indices) {
        int m = indices.length;
        String[] items = new String[m];
        float[] scores = new float[m];
        float[] best = new float[m];
        String[] because = new String[m];
        byte[] actions = new byte[m];
        for (int j = 0; j < m; j++) {
            int k = indices[j];
            items[j] = s.items[k];
            scores[j] = s.scores[k];
            best[j] = s.best[k];
            because[j] = s.because[k];
            actions[j] = s.actions[k];
        }
        s.items = items;
        s.scores = scores;
        s.best = best;
        s.because = because;
        s.actions = actions;
    }

    private static void remove(RecommenderState s, String item) {
        int k = indexOf(s.items, item);
        if (k < 0) {
            return;
        }
        Integer[] rest = new Integer[s.items.length - 1];
        for (int j = 0, m = 0; j < s.items.length; j++) {
            if (j != k) {
                rest[m++] = j;
            }
        }
        keep(s, rest);
    }

    /** The ordinal of an action's event type, -1 if unknown. */
    static byte action(String wireName) {
        EventType t = wireName == null ? null : EventType.fromWire(wireName);
        return t == null ? -1 : (byte) t.ordinal();
    }

    private static int hash32(String item) {
        long h = Hashing.hash64(item);
        return (int) (h ^ (h >>> 32));
    }

    private static void touch(RecommenderState s, String item, int memory) {
        int h = hash32(item);
        if (touched(s, item)) {
            return;
        }
        if (s.touched.length < memory) {
            s.touched = Arrays.copyOf(s.touched, s.touched.length + 1);
            s.touched[s.touched.length - 1] = h;
        } else {
            s.touched[s.touchedNext] = h;
            s.touchedNext = (s.touchedNext + 1) % memory;
        }
    }

    static boolean touched(RecommenderState s, String item) {
        int h = hash32(item);
        for (int x : s.touched) {
            if (x == h) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(String[] items, String item) {
        for (int k = 0; k < items.length; k++) {
            if (items[k].equals(item)) {
                return k;
            }
        }
        return -1;
    }
}
