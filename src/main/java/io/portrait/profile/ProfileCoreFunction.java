package io.portrait.profile;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.feature.Demographics;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The profile core: applies every accepted event of a user to its {@link CoreFeatures} in keyed
 * state (RocksDB in production) and sends the result to the assembler as a {@link ProfilePart}.
 * Late events are applied too and counted ({@code counts.late} and the metric {@code late}).
 * Bot-flagged events count but stay out of interests and propensity.
 *
 * <p>Timers (event time): order-id eviction after the de-duplication horizon, and — with a
 * retention — forgetting a user inactive that long. A bounded input's final watermark never
 * triggers retention (no "silence" effects at end of input). Erase deletes the timers this function
 * registered and keeps only the version counter.
 *
 * <p>Silence updates: {@code predict.silence-tick} after a user's latest event, and at each tick
 * after that up to {@code predict.silence-ticks}, the function re-sends the user's features marked
 * {@link ProfilePart#silenceAt} so the churn risk downstream can rise while the user stays quiet.
 * One timer per user at a time: an event does not move it; when it fires early (the user was active
 * since) it is re-armed from the latest event. The end of a bounded input fires none.
 */
public final class ProfileCoreFunction extends KeyedProcessFunction<String, Event, ProfilePart> {

    static final long DAY = 86_400_000L;

    private final long orderHorizonMillis;
    private final long cleanupIntervalMillis;
    private final PortraitConfig.Features features;
    private final boolean predict;
    private final long silenceTickMillis;
    private final int silenceTicks;
    private final boolean anomaly;

    private transient ValueState<CoreFeatures> state;
    private transient ValueState<Long> versionFloor;
    private transient HashHorizon orderIds;
    private transient Counter lateEvents;
    private transient Counter applied;
    private transient MetricGroup quality;
    private transient Map<String, Counter> rejectedValues;

    public ProfileCoreFunction(PortraitConfig config) {
        this.orderHorizonMillis = config.dedupHorizon().toMillis();
        this.cleanupIntervalMillis = config.dedupCleanupInterval().toMillis();
        this.features = config.features();
        this.predict = config.predict().enabled();
        this.silenceTickMillis = predict ? config.predict().silenceTick().toMillis() : 0;
        this.silenceTicks = config.predict().silenceTicks();
        this.anomaly = config.anomaly().enabled();
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(Descriptors.coreFeatures());
        versionFloor = getRuntimeContext().getState(Descriptors.versionFloor());
        orderIds = new HashHorizon(getRuntimeContext().getMapState(Descriptors.seenOrderIds()));
        lateEvents = getRuntimeContext().getMetricGroup().counter("late");
        applied = getRuntimeContext().getMetricGroup().counter("eventsApplied");
        quality = getRuntimeContext().getMetricGroup().addGroup("quality");
        rejectedValues = new HashMap<>();
        for (String r : new String[] {"invalid_age", "invalid_gender", "invalid_country"}) {
            rejectedValues.put(r, quality.counter(r));
        }
    }

    /** Interest weight of an event type: view < click < cart < purchase. */
    public static double interestWeight(EventType t) {
        return switch (t) {
            case VIEW -> 1;
            case CLICK, LIKE -> 2;
            case SHARE -> 3;
            case ADD_TO_CART -> 4;
            case PURCHASE -> 8;
            default -> 0;
        };
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<ProfilePart> out) throws Exception {
        CoreFeatures f = state.value();
        if (f == null) {
            f = new CoreFeatures();
            Long floor = versionFloor.value();
            if (floor != null) {
                // The user was erased or expired: documents keep moving forward from there.
                f.version = floor;
                versionFloor.clear();
            }
        }
        f.version++;
        applied.inc();
        if (e.type() == EventType.ERASE) {
            erase(f, ctx);
            CoreFeatures marker = new CoreFeatures();
            marker.version = f.version;
            marker.erased = true;
            out.collect(ProfilePart.core(e.userId(), marker));
            return;
        }
        if (anomaly) {
            ctx.output(Descriptors.ENRICHED, enrich(e, f));
        }
        long previousLastSeen = f.lastSeen;
        f.erased = false;
        f.total++;
        f.typeCounts[e.type().slot()]++;
        f.firstSeen = Math.min(f.firstSeen, e.ts());
        f.lastSeen = Math.max(f.lastSeen, e.ts());
        if (e.ts() < ctx.timerService().currentWatermark()) {
            f.late++;
            lateEvents.inc();
        }
        boolean behavioural = !e.botSuspected();
        if (!behavioural) {
            f.botSuspected++;
        }
        f.botScore = 0.9 * f.botScore + (behavioural ? 0.0 : 0.1);

        if (e.tz() != null) {
            f.activity.tz = e.tz();
        }
        ZoneId zone = f.activity.tz != null ? ZoneId.of(f.activity.tz) : features.defaultZone();
        f.activity.add(
                e.type(),
                e.ts(),
                previousLastSeen,
                zone,
                e.device(),
                e.country(),
                features.sessionGap().toMillis(),
                behavioural);
        f.windows.add(e.ts(), e.type() == EventType.PURCHASE, e.amountMinorOrZero());
        double weight = interestWeight(e.type());
        if (behavioural && weight > 0 && e.category() != null) {
            f.interests.add(
                    e.category(),
                    weight,
                    e.ts(),
                    features.interestHalfLife().toMillis(),
                    features.interestCapacity());
        }
        switch (e.type()) {
            case PURCHASE -> purchase(f, e, ctx);
            case REFUND -> f.refundMinor += e.amountMinorOrZero();
            case PROFILE_UPDATE -> demographics(f, e);
            default -> {}
        }
        if (features.retention().toMillis() > 0) {
            ctx.timerService().registerEventTimeTimer(retentionTimer(f.lastSeen));
        }
        if (silenceTickMillis > 0 && f.silenceTimer == 0) {
            f.silenceTimer = f.lastSeen + silenceTickMillis;
            ctx.timerService().registerEventTimeTimer(f.silenceTimer);
        }
        state.update(f);
        ProfilePart part = ProfilePart.core(e.userId(), f);
        if (predict && behavioural) {
            part.step = io.portrait.predict.StepInput.of(e);
        }
        out.collect(part);
    }

    /** The event with the user's order statistics from before it (for the anomaly patterns). */
    static io.portrait.anomaly.Enriched enrich(Event e, CoreFeatures before) {
        if (e.type() != EventType.PURCHASE || before.orderValues.count == 0) {
            return new io.portrait.anomaly.Enriched(e, before.orders, Double.NaN, Double.NaN);
        }
        double[] q = before.orderValues.quantiles(0.25, 0.5, 0.75);
        return new io.portrait.anomaly.Enriched(e, before.orders, q[1], q[2] - q[0]);
    }

    /** A silence timer fired: send a silence update, and arm the next tick if any is left. */
    private void silence(long timestamp, OnTimerContext ctx, Collector<ProfilePart> out)
            throws Exception {
        CoreFeatures f = state.value();
        if (f == null || f.silenceTimer != timestamp) {
            return;
        }
        f.silenceTimer = 0;
        if (ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
            long tick = (timestamp - f.lastSeen) / silenceTickMillis;
            if (tick >= 1 && tick <= silenceTicks) {
                ProfilePart part = ProfilePart.core(ctx.getCurrentKey(), f);
                part.silenceAt = timestamp;
                part.silenceTick = (int) tick;
                out.collect(part);
            }
            if (tick < silenceTicks) {
                f.silenceTimer = f.lastSeen + (Math.max(tick, 0) + 1) * silenceTickMillis;
                ctx.timerService().registerEventTimeTimer(f.silenceTimer);
            }
        }
        state.update(f);
    }

    private void purchase(CoreFeatures f, Event e, Context ctx) throws Exception {
        f.purchaseMinor += e.amountMinorOrZero();
        f.lastPurchaseAt = f.lastPurchaseAt == null ? e.ts() : Math.max(f.lastPurchaseAt, e.ts());
        if (e.orderId() == null || e.orderId().isEmpty()) {
            f.orders++;
            f.orderValues.addOrder(e.amountMinorOrZero());
            return;
        }
        long hash = Hashing.hash64(e.orderId());
        if (orderIds.add(hash, e.ts())) {
            f.orders++;
            ctx.timerService().registerEventTimeTimer(orderTimer(e.ts()));
        }
        f.orderValues.addLine(hash, e.amountMinorOrZero(), e.ts());
    }

    private void demographics(CoreFeatures f, Event e) {
        Demographics d = f.demographics;
        if (e.age() != null) {
            String band = Demographics.ageBand(e.age());
            if (band == null) {
                rejectedValues.get("invalid_age").inc();
            } else {
                d.ageBand = band;
            }
        }
        if (e.gender() != null) {
            String g = Demographics.gender(e.gender());
            if (g == null) {
                rejectedValues.get("invalid_gender").inc();
            } else {
                d.gender = g;
            }
        }
        if (e.country() != null) {
            String c = Demographics.country(e.country());
            if (c == null) {
                rejectedValues.get("invalid_country").inc();
            } else {
                d.country = c;
            }
        }
    }

    private long orderTimer(long ts) {
        return HashHorizon.cleanupTimer(ts, orderHorizonMillis, cleanupIntervalMillis);
    }

    private long retentionTimer(long lastSeen) {
        return HashHorizon.cleanupTimer(lastSeen, features.retention().toMillis(), DAY);
    }

    /**
     * Forgets the user: deletes this function's timers (order-id eviction, retention) and all
     * features. Only a version floor (one number) stays, so later documents of the same user id
     * keep moving forward past the tombstone.
     */
    private void erase(CoreFeatures f, Context ctx) throws Exception {
        for (long ts : orderIds.times()) {
            ctx.timerService().deleteEventTimeTimer(orderTimer(ts));
        }
        if (features.retention().toMillis() > 0 && f.lastSeen != Long.MIN_VALUE) {
            ctx.timerService().deleteEventTimeTimer(retentionTimer(f.lastSeen));
        }
        if (f.silenceTimer != 0) {
            ctx.timerService().deleteEventTimeTimer(f.silenceTimer);
        }
        forget(f.version);
    }

    private void forget(long version) throws Exception {
        orderIds.clear();
        state.clear();
        versionFloor.update(version);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ProfilePart> out)
            throws Exception {
        if (silenceTickMillis > 0) {
            silence(timestamp, ctx, out);
        }
        long oldest = orderIds.evict(timestamp, orderHorizonMillis);
        if (oldest != Long.MAX_VALUE) {
            ctx.timerService().registerEventTimeTimer(orderTimer(oldest));
        }
        long retention = features.retention().toMillis();
        if (retention > 0 && ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
            CoreFeatures f = state.value();
            if (f != null && f.lastSeen + retention <= timestamp) {
                // Inactive past the retention: forget everything but the version floor.
                forget(f.version);
            }
        }
    }
}
