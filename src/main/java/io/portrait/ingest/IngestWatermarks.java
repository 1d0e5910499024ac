package io.portrait.ingest;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Ingested;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event-time rules of the input: bounded out-of-orderness and source idleness, with timestamps from
 * valid events only. A dead letter gets {@link Long#MIN_VALUE}, which can never advance the
 * watermark, so a broken record cannot rush or stall a partition.
 */
public final class IngestWatermarks {
    private IngestWatermarks() {}

    public static WatermarkStrategy<Ingested> strategy(PortraitConfig config) {
        return WatermarkStrategy.<Ingested>forBoundedOutOfOrderness(config.outOfOrderness())
                .withTimestampAssigner(
                        (in, previous) -> in.isEvent() ? in.event().ts() : Long.MIN_VALUE)
                .withIdleness(config.idleness());
    }
}
