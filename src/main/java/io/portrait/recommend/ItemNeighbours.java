package io.portrait.recommend;

import io.portrait.config.PortraitConfig;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Third stage, keyed by item: the item's co-occurrence candidates (at most {@code candidates}; when
 * full, a new pair replaces the weakest candidate if it outweighs it — a heavy-hitter sketch) and,
 * on a user's lookup, the top {@code neighbours} by cosine similarity at that moment, sent to the
 * user. Inactive items are forgotten after the item TTL.
 */
public final class ItemNeighbours extends KeyedProcessFunction<String, ItemSignal, NeighbourList> {
    static ValueStateDescriptor<ItemNeighboursState> state() {
        return new ValueStateDescriptor<>(
                "item-neighbours", TypeExtractor.getForClass(ItemNeighboursState.class));
    }

    private final PortraitConfig.Recommend settings;
    private final long halfLife;
    private transient ValueState<ItemNeighboursState> state;

    public ItemNeighbours(PortraitConfig config) {
        this.settings = config.recommend();
        this.halfLife = settings.halfLife().toMillis();
    }

    @Override
    public void open(OpenContext ctx) {
        state = getRuntimeContext().getState(ItemNeighbours.state());
    }

    @Override
    public void processElement(ItemSignal s, Context ctx, Collector<NeighbourList> out)
            throws Exception {
        ItemNeighboursState n = state.value();
        if (s.kind == ItemSignal.LOOKUP) {
            out.collect(neighbours(n, s, settings.neighbours(), halfLife));
            return;
        }
        if (n == null) {
            n = new ItemNeighboursState();
        }
        if (s.kind == ItemSignal.OCCURRENCE) {
            n.selfCount = s.count;
            n.selfTs = s.ts;
        } else {
            add(n, s.other, s.weight, s.count, s.ts, settings.candidates(), halfLife);
        }
        n.timer =
                Similarity.rearm(
                        ctx.timerService(),
                        n.timer,
                        Math.max(n.selfTs, s.ts),
                        settings.itemTtl().toMillis());
        state.update(n);
    }

    /** Adds co-occurrence with {@code other}; bounded by {@code max} candidates. */
    static void add(
            ItemNeighboursState n,
            String other,
            double weight,
            double otherCount,
            long ts,
            int max,
            long halfLife) {
        for (int k = 0; k < n.items.length; k++) {
            if (n.items[k].equals(other)) {
                long at = Math.max(n.ts[k], ts);
                n.co[k] = Similarity.decay(n.co[k], n.ts[k], at, halfLife) + weight;
                n.counts[k] = otherCount;
                n.ts[k] = at;
                return;
            }
        }
        if (n.items.length < max) {
            int len = n.items.length;
            n.items = Arrays.copyOf(n.items, len + 1);
            n.co = Arrays.copyOf(n.co, len + 1);
            n.counts = Arrays.copyOf(n.counts, len + 1);
            n.ts = Arrays.copyOf(n.ts, len + 1);
            n.items[len] = other;
            n.co[len] = weight;
            n.counts[len] = otherCount;
            n.ts[len] = ts;
            return;
        }
        int weakest = 0;
        double weakestCo = Double.MAX_VALUE;
        for (int k = 0; k < n.items.length; k++) {
            double c = Similarity.decay(n.co[k], n.ts[k], ts, halfLife);
            if (c < weakestCo) {
                weakestCo = c;
                weakest = k;
            }
        }
        if (weight > weakestCo) {
            n.items[weakest] = other;
            n.co[weakest] = weight;
            n.counts[weakest] = otherCount;
            n.ts[weakest] = ts;
        }
    }

    /** The top {@code k} neighbours of the looked-up item by cosine at the lookup's event time. */
    static NeighbourList neighbours(
            ItemNeighboursState n, ItemSignal lookup, int k, long halfLife) {
        NeighbourList out = new NeighbourList();
        out.userId = lookup.userId;
        out.item = lookup.item;
        out.weight = lookup.weight;
        out.ts = lookup.ts;
        out.action = lookup.action;
        if (n == null || n.items.length == 0) {
            return out;
        }
        long t = lookup.ts;
        double self = Similarity.decay(n.selfCount, n.selfTs, t, halfLife);
        Integer[] order = new Integer[n.items.length];
        double[] sim = new double[n.items.length];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
            sim[j] =
                    Similarity.cosine(
                            Similarity.decay(n.co[j], n.ts[j], t, halfLife),
                            self,
                            Similarity.decay(n.counts[j], n.ts[j], t, halfLife));
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -sim[j]));
        int m = 0;
        while (m < Math.min(k, order.length) && sim[order[m]] > 0) {
            m++;
        }
        out.neighbours = new String[m];
        out.similarities = new double[m];
        for (int j = 0; j < m; j++) {
            out.neighbours[j] = n.items[order[j]];
            out.similarities[j] = sim[order[j]];
        }
        return out;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<NeighbourList> out)
            throws Exception {
        ItemNeighboursState n = state.value();
        if (n != null
                && timestamp == n.timer
                && ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
            state.clear();
        }
    }
}
