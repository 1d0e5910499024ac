package io.portrait.profile;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The profile core: applies every accepted event of a user to its {@link CoreFeatures} in keyed
 * state (RocksDB in production) and sends the result to the assembler as a {@link ProfilePart}.
 * Late events are applied too and counted ({@code counts.late} and the metric {@code late}).
 */
public final class ProfileCoreFunction extends KeyedProcessFunction<String, Event, ProfilePart> {

    private final long orderHorizonMillis;
    private final long cleanupIntervalMillis;

    private transient ValueState<CoreFeatures> state;
    private transient HashHorizon orderIds;
    private transient Counter lateEvents;
    private transient Counter applied;

    public ProfileCoreFunction(PortraitConfig config) {
        this.orderHorizonMillis = config.dedupHorizon().toMillis();
        this.cleanupIntervalMillis = config.dedupCleanupInterval().toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(Descriptors.coreFeatures());
        orderIds = new HashHorizon(getRuntimeContext().getMapState(Descriptors.seenOrderIds()));
        lateEvents = getRuntimeContext().getMetricGroup().counter("late");
        applied = getRuntimeContext().getMetricGroup().counter("eventsApplied");
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<ProfilePart> out) throws Exception {
        CoreFeatures f = state.value();
        if (f == null) {
            f = new CoreFeatures();
        }
        f.version++;
        applied.inc();
        if (e.type() == EventType.ERASE) {
            // Keep only the version counter (not personal data), so the tombstone and any later
            // profile of this user keep moving forward.
            CoreFeatures erased = new CoreFeatures();
            erased.version = f.version;
            erased.erased = true;
            orderIds.clear();
            state.update(erased);
            out.collect(ProfilePart.core(e.userId(), erased));
            return;
        }
        f.erased = false;
        f.total++;
        f.typeCounts[e.type().slot()]++;
        f.firstSeen = Math.min(f.firstSeen, e.ts());
        f.lastSeen = Math.max(f.lastSeen, e.ts());
        if (e.ts() < ctx.timerService().currentWatermark()) {
            f.late++;
            lateEvents.inc();
        }
        switch (e.type()) {
            case PURCHASE -> {
                f.purchaseMinor += e.amountMinorOrZero();
                f.lastPurchaseAt =
                        f.lastPurchaseAt == null ? e.ts() : Math.max(f.lastPurchaseAt, e.ts());
                if (e.orderId() == null || e.orderId().isEmpty()) {
                    f.orders++;
                } else if (orderIds.add(Hashing.hash64(e.orderId()), e.ts())) {
                    f.orders++;
                    ctx.timerService()
                            .registerEventTimeTimer(
                                    HashHorizon.cleanupTimer(
                                            e.ts(), orderHorizonMillis, cleanupIntervalMillis));
                }
            }
            case REFUND -> f.refundMinor += e.amountMinorOrZero();
            default -> {}
        }
        state.update(f);
        out.collect(ProfilePart.core(e.userId(), f));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ProfilePart> out)
            throws Exception {
        long oldest = orderIds.evict(timestamp, orderHorizonMillis);
        if (oldest != Long.MAX_VALUE) {
            ctx.timerService()
                    .registerEventTimeTimer(
                            HashHorizon.cleanupTimer(
                                    oldest, orderHorizonMillis, cleanupIntervalMillis));
        }
    }
}
