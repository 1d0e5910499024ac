package io.portrait.ingest;

import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits parsed input into events (main output) and dead letters (side output {@link
 * #DEAD_LETTERS}), counting rejections per reason in the metric group {@code dlq}.
 */
public final class RouteDeadLetters extends ProcessFunction<Ingested, Event> {
    /** Records that failed parsing or validation, for the dead-letter topic. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeExtractor.getForClass(DeadLetter.class));

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
        ctx.output(RouteDeadLetters.DEAD_LETTERS, dl);
    }
}
