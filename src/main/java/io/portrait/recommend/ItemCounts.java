package io.portrait.recommend;

import io.portrait.config.PortraitConfig;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Second stage, keyed by item: keeps the item's decayed occurrence count and stamps it on what
 * passes through — its own occurrences (to the neighbour stage of the same item) and its half of
 * each co-occurrence pair, which it re-keys to the other item so that side learns this item's
 * count. Lookups pass unchanged. This is how both counts of a cosine meet without a cycle.
 */
public final class ItemCounts extends KeyedProcessFunction<String, ItemSignal, ItemSignal> {
    static ValueStateDescriptor<ItemCount> state() {
        return new ValueStateDescriptor<>("item-count", TypeExtractor.getForClass(ItemCount.class));
    }

    private final long halfLife;
    private final long ttl;
    private transient ValueState<ItemCount> state;

    public ItemCounts(PortraitConfig config) {
        this.halfLife = config.recommend().halfLife().toMillis();
        this.ttl = config.recommend().itemTtl().toMillis();
    }

    @Override
    public void open(OpenContext ctx) {
        state = getRuntimeContext().getState(ItemCounts.state());
    }

    @Override
    public void processElement(ItemSignal s, Context ctx, Collector<ItemSignal> out)
            throws Exception {
        if (s.kind == ItemSignal.LOOKUP) {
            out.collect(s);
            return;
        }
        ItemCount c = state.value();
        if (c == null) {
            c = new ItemCount();
        }
        long at = Math.max(c.ts, s.ts);
        double count = Similarity.decay(c.count, c.ts, at, halfLife);
        if (s.kind == ItemSignal.OCCURRENCE) {
            count += s.weight;
            c.count = count;
            c.ts = at;
            c.timer = Similarity.rearm(ctx.timerService(), c.timer, at, ttl);
            state.update(c);
            s.count = count;
            out.collect(s);
            return;
        }
        // A pair half (this item, other): to the other item's side, with this item's count.
        ItemSignal toOther = ItemSignal.pair(s.other, s.item, s.weight, s.ts);
        toOther.count = count;
        out.collect(toOther);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ItemSignal> out)
            throws Exception {
        ItemCount c = state.value();
        if (c != null
                && timestamp == c.timer
                && ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
            state.clear();
        }
    }
}
