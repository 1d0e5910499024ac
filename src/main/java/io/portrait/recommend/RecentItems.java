package io.portrait.recommend;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.CoreModule;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * First recommendation stage, keyed by user: remembers the user's last items (bounded) and turns
 * each item event into an occurrence of the item, co-occurrence pairs with the user's recent items
 * within the window (both directions), and a lookup of the item's neighbours for this user.
 * Bot-flagged events and events without an item are left out. Erase, or inactivity past the TTL,
 * forgets the user here and tells the recommender to forget too.
 */
public final class RecentItems extends KeyedProcessFunction<String, Event, ItemSignal> {
    /** Erase (or inactivity) from the recommendation stages' user side to the recommender. */
    public static final OutputTag<NeighbourList> ERASE =
            new OutputTag<>("recommend-erase", TypeExtractor.getForClass(NeighbourList.class));

    static ValueStateDescriptor<RecentItemsState> state() {
        return new ValueStateDescriptor<>(
                "recent-items", TypeExtractor.getForClass(RecentItemsState.class));
    }

    private final PortraitConfig.Recommend settings;
    private transient ValueState<RecentItemsState> state;

    public RecentItems(PortraitConfig config) {
        this.settings = config.recommend();
    }

    @Override
    public void open(OpenContext ctx) {
        state = getRuntimeContext().getState(RecentItems.state());
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<ItemSignal> out) throws Exception {
        if (e.type() == EventType.ERASE) {
            RecentItemsState s = state.value();
            if (s != null && s.timer != 0) {
                ctx.timerService().deleteEventTimeTimer(s.timer);
            }
            state.clear();
            ctx.output(RecentItems.ERASE, NeighbourList.erase(e.userId(), e.ts()));
            return;
        }
        double w = CoreModule.interestWeight(e.type());
        if (w <= 0 || e.itemId() == null || e.itemId().isEmpty() || e.botSuspected()) {
            return;
        }
        RecentItemsState s = state.value();
        if (s == null) {
            s = new RecentItemsState();
        }
        String item = e.itemId();
        long t = e.ts();
        long window = settings.window().toMillis();
        long ttl = settings.userTtl().toMillis();
        out.collect(ItemSignal.occurrence(item, w, t));
        for (int k = 0; k < s.items.length; k++) {
            if (s.ts[k] + ttl < t) {
                continue; // expired: neither paired nor kept
            }
            if (!s.items[k].equals(item) && Math.abs(t - s.ts[k]) <= window) {
                double x = Similarity.pairWeight(w, s.weights[k]);
                out.collect(ItemSignal.pair(item, s.items[k], x, t));
                out.collect(ItemSignal.pair(s.items[k], item, x, t));
            }
        }
        out.collect(ItemSignal.lookup(item, e.userId(), w, t, e.type().wireName()));
        remember(s, item, w, t, ttl, settings.recentItems());
        s.timer = Similarity.rearm(ctx.timerService(), s.timer, s.lastTs, ttl);
        state.update(s);
    }

    /** Moves {@code item} to the newest place, drops expired entries and the oldest beyond max. */
    static void remember(RecentItemsState s, String item, double w, long t, long ttl, int max) {
        int n = s.items.length;
        String[] items = new String[n + 1];
        double[] weights = new double[n + 1];
        long[] ts = new long[n + 1];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (s.items[k].equals(item) || s.ts[k] + ttl < t) {
                continue;
            }
            items[m] = s.items[k];
            weights[m] = s.weights[k];
            ts[m] = s.ts[k];
            m++;
        }
        items[m] = item;
        weights[m] = w;
        ts[m] = t;
        m++;
        int from = Math.max(0, m - max);
        s.items = Arrays.copyOfRange(items, from, m);
        s.weights = Arrays.copyOfRange(weights, from, m);
        s.ts = Arrays.copyOfRange(ts, from, m);
        s.lastTs = Math.max(s.lastTs, t);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ItemSignal> out)
            throws Exception {
        RecentItemsState s = state.value();
        if (s == null
                || timestamp != s.timer
                || ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
            return;
        }
        // Inactive past the TTL: forget the user here and in the recommender.
        state.clear();
        ctx.output(RecentItems.ERASE, NeighbourList.erase(ctx.getCurrentKey(), timestamp));
    }
}
