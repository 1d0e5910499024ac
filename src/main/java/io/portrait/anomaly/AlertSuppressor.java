package io.portrait.anomaly;

import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user and rule: after an alert, others of the same rule for the same user within the
 * suppression window (event time, either side) are dropped and counted ({@code alertsSuppressed}).
 * State is one timestamp, cleared by an event-time timer when the window has passed.
 */
public final class AlertSuppressor extends KeyedProcessFunction<String, Alert, Alert> {
    private final long windowMillis;
    private transient ValueState<Long> last;
    private transient Counter suppressed;
    private transient Counter emitted;

    public AlertSuppressor(Duration window) {
        this.windowMillis = window.toMillis();
    }

    /** The key: user and rule. */
    public static String key(Alert a) {
        return a.userId() + "\u0000" + a.rule();
    }

    private transient java.util.Map<String, org.apache.flink.metrics.Counter> byRule;

    @Override
    public void open(OpenContext ctx) {
        last = getRuntimeContext().getState(new ValueStateDescriptor<>("last-alert", Long.class));
        suppressed = getRuntimeContext().getMetricGroup().counter("alertsSuppressed");
        emitted = getRuntimeContext().getMetricGroup().counter("alertsEmitted");
        byRule = new java.util.HashMap<>();
    }

    /** Alerts emitted per rule: metric {@code rule_alerts} with the label {@code rule}. */
    private org.apache.flink.metrics.Counter ruleCounter(String rule) {
        return byRule.computeIfAbsent(
                rule,
                r -> getRuntimeContext().getMetricGroup().addGroup("rule", r).counter("alerts"));
    }

    @Override
    public void processElement(Alert a, Context ctx, Collector<Alert> out) throws Exception {
        Long previous = last.value();
        if (previous != null && Math.abs(a.ts() - previous) < windowMillis) {
            suppressed.inc();
            return;
        }
        if (previous != null) {
            ctx.timerService().deleteEventTimeTimer(previous + windowMillis);
        }
        last.update(a.ts());
        ctx.timerService().registerEventTimeTimer(a.ts() + windowMillis);
        emitted.inc();
        ruleCounter(a.rule()).inc();
        out.collect(a);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        Long previous = last.value();
        if (previous != null && previous + windowMillis <= timestamp) {
            last.clear();
        }
    }
}
