package io.portrait.control;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The control stream must never hold back event time: a two-input operator's watermark is the
 * minimum of its inputs, and a quiet control topic sends none. This strategy declares the control
 * stream to be at the end of time ({@link Long#MAX_VALUE}) from the start, so the event stream
 * alone drives the watermark of every operator that reads control records.
 */
public final class ControlWatermarks {
    private ControlWatermarks() {}

    public static <T> WatermarkStrategy<T> endOfTime() {
        return WatermarkStrategy.<T>forGenerator(ctx -> new EndOfTime<>())
                .withTimestampAssigner((element, previous) -> Long.MIN_VALUE);
    }

    private static final class EndOfTime<T> implements WatermarkGenerator<T> {
        @Override
        public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {}

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }
    }
}
