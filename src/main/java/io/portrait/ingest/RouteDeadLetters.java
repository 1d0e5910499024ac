package io.portrait.ingest;

import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import io.portrait.profile.Descriptors;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Splits parsed input into events (main output) and dead letters (side output {@link
 * Descriptors#DEAD_LETTERS}), counting rejections per reason in the metric group {@code dlq}.
 */
public final class RouteDeadLetters extends ProcessFunction<Ingested, Event> {

    private transient MetricGroup dlqMetrics;
    private transient Map<String, Counter> byReason;

    @Override
    public void open(OpenContext openContext) {
        dlqMetrics = getRuntimeContext().getMetricGroup().addGroup("dlq");
        byReason = new HashMap<>();
        // Register every known reason up front so dashboards see zeros, not gaps.
        for (RejectReason r : RejectReason.values()) {
            byReason.put(r.code(), dlqMetrics.counter(r.code()));
        }
    }

    @Override
    public void processElement(Ingested in, Context ctx, Collector<Event> out) {
        if (in.isEvent()) {
            out.collect(in.event());
            return;
        }
        DeadLetter dl = in.deadLetter();
        byReason.computeIfAbsent(dl.reason(), r -> dlqMetrics.counter(r)).inc();
        ctx.output(Descriptors.DEAD_LETTERS, dl);
    }
}
