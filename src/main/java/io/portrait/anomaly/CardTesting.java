package io.portrait.anomaly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * {@code card_testing}: at least N small purchases of <em>distinct orders</em> within the window (a
 * multi-line order is one purchase). An aggregate over a sliding window, so a keyed function rather
 * than a CEP loop: per user a short list of the small orders inside the window (at most N), pruned
 * by event time, cleared after an alert and by a timer when the window has passed.
 */
public final class CardTesting extends KeyedProcessFunction<String, Enriched, Alert> {
    private final PortraitConfig.Anomaly settings;
    private final Money money;
    private transient ValueState<SmallOrders> state;

    /** The user's small orders inside the window: first event id and time per order. */
    public static class SmallOrders {
        public List<String> orders = new ArrayList<>();
        public List<String> eventIds = new ArrayList<>();
        public List<Long> times = new ArrayList<>();

        public SmallOrders() {}
    }

    public CardTesting(PortraitConfig config) {
        this.settings = config.anomaly();
        this.money = config.money();
    }

    @Override
    public void open(OpenContext ctx) {
        state =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("small-orders", SmallOrders.class));
    }

    @Override
    public void processElement(Enriched in, Context ctx, Collector<Alert> out) throws Exception {
        Event e = in.event();
        if (e.type() != EventType.PURCHASE
                || e.amountMinorOrZero() > settings.cardTestingMaxMinor()) {
            return;
        }
        long window = settings.cardTestingWindow().toMillis();
        SmallOrders s = state.value();
        if (s == null) {
            s = new SmallOrders();
        }
        String order = Patterns.orderOf(e);
        if (!s.orders.contains(order)) {
            s.orders.add(order);
            s.eventIds.add(e.eventId());
            s.times.add(e.ts());
        }
        // Keep the orders within the window of the newest one (events may arrive out of order).
        long newest = s.times.stream().mapToLong(Long::longValue).max().orElse(e.ts());
        for (int i = s.times.size() - 1; i >= 0; i--) {
            if (s.times.get(i) <= newest - window) {
                s.orders.remove(i);
                s.eventIds.remove(i);
                s.times.remove(i);
            }
        }
        if (s.orders.size() >= settings.cardTestingPurchases()) {
            ObjectNode d = Anomalies.JSON.createObjectNode();
            d.put("purchases", s.orders.size());
            d.put("min_purchases", settings.cardTestingPurchases());
            d.put("max_amount", Anomalies.money(money, settings.cardTestingMaxMinor()));
            d.put("window_s", settings.cardTestingWindow().toSeconds());
            out.collect(
                    Alert.of(
                            e.userId(),
                            Patterns.CARD_TESTING,
                            Anomalies.RULE_VERSION,
                            "high",
                            newest,
                            ctx.timerService().currentProcessingTime(),
                            s.eventIds.toArray(new String[0]),
                            d.toString()));
            state.clear();
            return;
        }
        state.update(s);
        ctx.timerService().registerEventTimeTimer(newest + window);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        SmallOrders s = state.value();
        if (s == null) {
            return;
        }
        long newest = s.times.stream().mapToLong(Long::longValue).max().orElse(0);
        if (newest + settings.cardTestingWindow().toMillis() <= timestamp) {
            state.clear();
        }
    }
}
