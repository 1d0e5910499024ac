package io.portrait.control;

import io.portrait.event.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Valid control messages to the main output; invalid ones to {@link #DEAD_LETTERS}. */
public final class RouteControl extends ProcessFunction<ControlRecord, ControlMessage> {
    /** Control records that failed validation, for the control dead-letter topic. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("control-dead-letters", TypeExtractor.getForClass(DeadLetter.class));

    private transient Counter invalid;

    @Override
    public void open(OpenContext openContext) {
        invalid = getRuntimeContext().getMetricGroup().counter("controlRejected");
    }

    @Override
    public void processElement(ControlRecord in, Context ctx, Collector<ControlMessage> out) {
        if (in.message() != null) {
            out.collect(in.message());
        } else {
            invalid.inc();
            ctx.output(RouteControl.DEAD_LETTERS, in.deadLetter());
        }
    }
}
