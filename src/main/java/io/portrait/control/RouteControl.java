package io.portrait.control;

import io.portrait.profile.Descriptors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Valid control messages to the main output; invalid ones to {@link
 * Descriptors#CONTROL_DEAD_LETTERS}.
 */
public final class RouteControl extends ProcessFunction<ControlRecord, ControlMessage> {

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
            ctx.output(Descriptors.CONTROL_DEAD_LETTERS, in.deadLetter());
        }
    }
}
