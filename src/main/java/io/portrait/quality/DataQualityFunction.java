package io.portrait.quality;

import io.portrait.anomaly.Alert;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.Descriptors;
import io.portrait.profile.Hashing;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The data-quality stage, between de-duplication and the profile core. It applies the missing-value
 * policy (docs/data-quality.md), corrects what is safe to correct (category casing, the base
 * currency of an amount without one), and flags likely bots in event time — superhuman action
 * rates, metronomic inter-event times, view floods — without dropping their events. The first flag
 * of a burst emits a {@code bot_burst} alert (side output {@link Descriptors#ALERTS}), then the
 * rule is quiet for the suppression window. Rate rules count one action per (order_id, ts), so a
 * multi-line invoice is one action. Every flag, correction and imputation has a counter in the
 * metric group {@code quality}, named after its reason.
 */
public final class DataQualityFunction extends KeyedProcessFunction<String, Event, Event> {

    public static final String BOT_BURST = "bot_burst";
    public static final int RULE_VERSION = 1;

    private final PortraitConfig.Quality q;
    private final String baseCurrency;
    private transient ValueState<BotState> state;
    private transient MetricGroup metrics;
    private transient Map<String, Counter> counters;

    public DataQualityFunction(PortraitConfig config) {
        this.q = config.quality();
        this.baseCurrency = config.money().baseCurrency();
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(Descriptors.botState());
        metrics = getRuntimeContext().getMetricGroup().addGroup("quality");
        counters = new HashMap<>();
        for (String reason :
                new String[] {
                    "imputed_currency",
                    "missing_amount",
                    "missing_category",
                    "corrected_category",
                    "missing_device",
                    "imputed_tz",
                    "bot_suspected",
                    BOT_BURST
                }) {
            count(reason, 0);
        }
    }

    private void count(String reason, long n) {
        counters.computeIfAbsent(reason, r -> metrics.counter(r)).inc(n);
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<Event> out) throws Exception {
        if (e.type() == EventType.ERASE) {
            state.clear();
            out.collect(e);
            return;
        }
        String category = e.category();
        if (category != null) {
            String normal = category.trim().toLowerCase(Locale.ROOT);
            if (normal.isEmpty()) {
                normal = null;
            }
            if (!java.util.Objects.equals(normal, category)) {
                count("corrected_category", 1);
            }
            category = normal;
        }
        if (category == null && isItemEvent(e.type())) {
            count("missing_category", 1);
        }
        String currency = e.currency();
        Long amount = e.amountMinor();
        if (amount != null && currency == null) {
            currency = baseCurrency;
            count("imputed_currency", 1);
        }
        if (amount == null && (e.type() == EventType.PURCHASE || e.type() == EventType.REFUND)) {
            amount = 0L;
            count("missing_amount", 1);
        }
        if (e.device() == null) {
            count("missing_device", 1);
        }
        if (e.tz() == null) {
            count("imputed_tz", 1);
        }

        BotState s = state.value();
        if (s == null) {
            s = new BotState();
        }
        String rule = detect(s, e);
        boolean bot = rule != null;
        if (bot) {
            count("bot_suspected", 1);
            if (e.ts() >= s.suppressedUntil) {
                s.suppressedUntil = e.ts() + q.alertSuppression().toMillis();
                count(BOT_BURST, 1);
                ctx.output(
                        Descriptors.ALERTS,
                        Alert.of(
                                e.userId(),
                                BOT_BURST,
                                RULE_VERSION,
                                "medium",
                                e.ts(),
                                ctx.timerService().currentProcessingTime(),
                                s.evidence(),
                                rule));
            }
        }
        state.update(s);
        out.collect(e.withQuality(category, currency, amount, bot));
    }

    /**
     * Updates the detector with the event; returns the details JSON of a rule that fired, or null.
     */
    String detect(BotState s, Event e) {
        s.pushId(e.eventId());
        long orderHash = e.orderId() == null ? 0 : Hashing.hash64(e.orderId());
        boolean sameAction =
                e.orderId() != null && orderHash == s.lastOrderHash && e.ts() == s.lastOrderTs;
        if (!sameAction) {
            s.pushAction(e.ts());
            s.lastOrderHash = orderHash;
            s.lastOrderTs = e.orderId() == null ? Long.MIN_VALUE : e.ts();
        }
        s.viewStreak = e.type() == EventType.VIEW ? s.viewStreak + 1 : 0;

        int n = q.burstActions();
        if (s.size >= n) {
            long span = s.action(1) - s.action(n);
            if (span >= 0 && span < q.burstWindow().toMillis()) {
                return "{\"reason\":\"rate\",\"actions\":" + n + ",\"within_ms\":" + span + "}";
            }
        }
        int k = q.metronomeIntervals();
        if (s.size > k) {
            double sum = 0;
            double sumSq = 0;
            for (int i = 1; i <= k; i++) {
                double d = s.action(i) - s.action(i + 1);
                sum += d;
                sumSq += d * d;
            }
            double mean = sum / k;
            double var = Math.max(0, sumSq / k - mean * mean);
            if (mean > 0
                    && mean < q.metronomeMaxGap().toMillis()
                    && Math.sqrt(var) / mean < q.metronomeCv()) {
                return String.format(
                        Locale.ROOT,
                        "{\"reason\":\"metronome\",\"intervals\":%d,\"mean_ms\":%.1f,\"cv\":%.4f}",
                        k,
                        mean,
                        Math.sqrt(var) / mean);
            }
        }
        if (s.viewStreak >= q.viewFlood()) {
            return "{\"reason\":\"view_flood\",\"views_in_a_row\":" + s.viewStreak + "}";
        }
        return null;
    }

    static boolean isItemEvent(EventType t) {
        return switch (t) {
            case VIEW, CLICK, ADD_TO_CART, REMOVE_FROM_CART, PURCHASE, REFUND, LIKE, SHARE -> true;
            default -> false;
        };
    }
}
