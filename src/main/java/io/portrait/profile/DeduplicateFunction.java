package io.portrait.profile;

import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlState;
import io.portrait.control.SettingCache;
import io.portrait.control.Settings;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops repeated {@code event_id}s of a user. Ids are remembered for an event-time horizon (default
 * 24 h, runtime-tunable with the control setting {@code dedup.horizon}): an id is forgotten once
 * the watermark passes its event time plus the horizon, so a duplicate older than that is counted
 * again (documented). State per user is bounded by the events of one horizon.
 */
public final class DeduplicateFunction
        extends KeyedBroadcastProcessFunction<String, Event, ControlMessage, Event> {

    private final Duration defaultHorizon;
    private final long cleanupIntervalMillis;

    private transient HashHorizon seen;
    private transient Counter duplicates;
    private transient SettingCache horizon;

    public DeduplicateFunction(PortraitConfig config) {
        this.defaultHorizon = config.dedupHorizon();
        this.cleanupIntervalMillis = config.dedupCleanupInterval().toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        seen = new HashHorizon(getRuntimeContext().getMapState(Descriptors.seenEventIds()));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
        horizon = new SettingCache(Settings.DEDUP_HORIZON, defaultHorizon);
    }

    private long horizonMillis(ReadOnlyContext ctx) throws Exception {
        return horizon.get(ctx.getBroadcastState(Descriptors.CONTROL)).toMillis();
    }

    @Override
    public void processElement(Event event, ReadOnlyContext ctx, Collector<Event> out)
            throws Exception {
        if (event.type() == EventType.ERASE) {
            // Forget the user's ids and delete their eviction timers.
            long horizonMillis = horizonMillis(ctx);
            for (long ts : seen.times()) {
                ctx.timerService()
                        .deleteEventTimeTimer(
                                HashHorizon.cleanupTimer(ts, horizonMillis, cleanupIntervalMillis));
            }
            seen.clear();
            out.collect(event);
            return;
        }
        long horizonMillis = horizonMillis(ctx);
        if (!seen.add(Hashing.hash64(event.eventId()), event.ts())) {
            duplicates.inc();
            return;
        }
        ctx.timerService()
                .registerEventTimeTimer(
                        HashHorizon.cleanupTimer(event.ts(), horizonMillis, cleanupIntervalMillis));
        out.collect(event);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Event> out) throws Exception {
        long horizonMillis = horizonMillis(ctx);
        long oldest = seen.evict(timestamp, horizonMillis);
        if (oldest != Long.MAX_VALUE) {
            // The horizon may have grown since these timers were set: make sure one stays ahead.
            ctx.timerService()
                    .registerEventTimeTimer(
                            HashHorizon.cleanupTimer(oldest, horizonMillis, cleanupIntervalMillis));
        }
    }

    @Override
    public void processBroadcastElement(ControlMessage message, Context ctx, Collector<Event> out)
            throws Exception {
        if (ControlState.apply(ctx.getBroadcastState(Descriptors.CONTROL), message)) {
            horizon.invalidate();
        }
    }
}
