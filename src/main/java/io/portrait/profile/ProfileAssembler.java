package io.portrait.profile;

import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlState;
import io.portrait.control.SettingCache;
import io.portrait.control.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The single writer of the profile document. Stages send it {@link ProfilePart}s; it keeps the
 * newest part of each, owns {@code epoch} and {@code version}, and coalesces writes per user: at
 * most one document per user per interval of processing time, on the leading edge (the first change
 * is written at once) and the trailing edge (the last change of a burst is written when the
 * interval ends). An event-time timer at the end of time flushes pending changes when a bounded
 * input ends or the job is drained. The interval is runtime-tunable with the control setting {@code
 * profile.coalesce-interval}.
 *
 * <p>Keyed state holds a user only while a change waits for its trailing edge or while the user's
 * risk matters; which users were written within the interval is a per-subtask heap map ({@link
 * RecentWrites}), so a leading-edge write — the common case — costs one state lookup and no timer.
 *
 * <p>The epoch is fixed when a job starts without state and kept in union operator state, so it
 * survives restores and rescaling; a new job without state gets a later epoch and wins in Redis.
 */
public final class ProfileAssembler
        extends KeyedBroadcastProcessFunction<String, ProfilePart, ControlMessage, ProfileRecord>
        implements CheckpointedFunction {

    /** How long after an erase late parts of the user are dropped (processing time). */
    static final long ERASE_GRACE_MILLIS = 60_000;

    private final Duration defaultInterval;
    private final long configuredEpoch;
    private final Money money;
    private final PortraitConfig.Features features;
    private final long riskHalfLife;
    private final double riskThreshold;

    private transient ValueState<AssemblerState> state;
    private transient ListState<Long> epochState;
    private transient long epoch;
    private transient SettingCache interval;
    private transient Counter written;
    private transient RecentWrites recent;

    public ProfileAssembler(PortraitConfig config) {
        this.defaultInterval = config.coalesceInterval();
        this.configuredEpoch = config.epoch();
        this.money = config.money();
        this.features = config.features();
        this.riskHalfLife = config.anomaly().riskHalfLife().toMillis();
        this.riskThreshold = config.anomaly().riskThreshold();
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        epochState =
                context.getOperatorStateStore()
                        .getUnionListState(new ListStateDescriptor<>("epoch", Types.LONG));
        long restored = 0;
        for (Long e : epochState.get()) {
            restored = Math.max(restored, e);
        }
        epoch =
                restored > 0
                        ? restored
                        : configuredEpoch > 0 ? configuredEpoch : Instant.now().getEpochSecond();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        epochState.update(List.of(epoch));
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(Descriptors.assemblerState());
        written = getRuntimeContext().getMetricGroup().counter("profilesEmitted");
        interval = new SettingCache(Settings.COALESCE_INTERVAL, defaultInterval);
        recent = new RecentWrites();
    }

    public long epoch() {
        return epoch;
    }

    private long intervalMillis(ReadOnlyContext ctx) throws Exception {
        return interval.get(ctx.getBroadcastState(Descriptors.CONTROL)).toMillis();
    }

    @Override
    public void processElement(ProfilePart part, ReadOnlyContext ctx, Collector<ProfileRecord> out)
            throws Exception {
        if (part.core != null && part.core.erased) {
            // An erase is written at once, never coalesced, and forgets everything: state, the
            // coalescing timer and the end-of-time flush timer.
            AssemblerState previous = state.value();
            if (previous != null) {
                if (previous.nextWriteAt > 0) {
                    ctx.timerService().deleteProcessingTimeTimer(previous.nextWriteAt);
                }
                if (previous.flushTimerSet) {
                    ctx.timerService().deleteEventTimeTimer(Long.MAX_VALUE);
                }
            }
            // Keep only a marker for a minute, so a risk or recommendation part already on its
            // way (other paths than the erase's) cannot bring the user back.
            AssemblerState marker = new AssemblerState();
            marker.erasedUntil = ctx.timerService().currentProcessingTime() + ERASE_GRACE_MILLIS;
            state.update(marker);
            ctx.timerService().registerProcessingTimeTimer(marker.erasedUntil);
            recent.forget(part.userId);
            ctx.output(
                    Descriptors.CHANGES,
                    new ProfileChange(
                            part.userId,
                            ctx.timerService().currentProcessingTime(),
                            "erased",
                            null,
                            null,
                            part.core.version));
            out.collect(
                    new ProfileRecord(
                            part.userId,
                            epoch,
                            part.core.version,
                            ProfileDocument.tombstone(epoch, part.core.version),
                            true));
            written.inc();
            return;
        }
        AssemblerState st = state.value();
        boolean stored = st != null;
        if (st == null) {
            st = new AssemblerState();
        }
        if (st.erasedUntil > 0) {
            if (part.core == null && ctx.timerService().currentProcessingTime() < st.erasedUntil) {
                return; // a late group of the erased user
            }
            st.erasedUntil = 0; // a new event: the user starts again from the version floor
        }
        String user = ctx.getCurrentKey();
        java.util.function.Consumer<ProfileChange> changes =
                c -> ctx.output(Descriptors.CHANGES, c);
        if (part.risk != null) {
            if (st.risk == null) {
                st.risk = new RiskState();
            }
            st.risk.add(part.risk, riskHalfLife);
            long t = Math.max(st.risk.at, st.core == null ? Long.MIN_VALUE : st.core.lastSeen);
            judgeRisk(user, st, t, changes);
        }
        if (part.core != null) {
            st.core = part.core;
            st.segment = part.segment;
            st.predictions = part.predictions;
            st.silenceTick = part.silenceTick;
        }
        if (part.recommendations != null) {
            st.recommendations = part.recommendations;
        }
        if (st.core == null) {
            if (part.recommendations != null) {
                // Nothing held to re-render: replace the stored document's recommendations.
                out.collect(
                        ProfileRecord.recommendationsPatch(
                                user,
                                epoch,
                                st.lastVersion,
                                ProfileDocument.recommendationsGroup(part.recommendations)));
                written.inc();
            }
            if (part.risk != null) {
                // Nothing held to re-render: patch the stored document's risk group in place.
                long t = st.risk.at;
                out.collect(
                        ProfileRecord.riskPatch(
                                user,
                                epoch,
                                st.lastVersion,
                                ProfileDocument.riskHead(
                                        st.risk.score(t, riskHalfLife), st.risk.alerts30d(t))));
                written.inc();
            }
            state.update(st);
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        long intervalMillis = intervalMillis(ctx);
        long waitUntil = Math.max(recent.until(user, now), st.nextWriteAt);
        if (!st.dirty && (intervalMillis == 0 || now >= waitUntil)) {
            // The leading edge: write at once, and keep nothing unless the risk matters.
            emit(user, st, ctx.timerService().currentWatermark(), out, changes);
            if (intervalMillis > 0) {
                recent.wrote(user, now + intervalMillis, now);
            }
            st.nextWriteAt = 0;
            settle(st, stored, ctx.timerService());
            return;
        }
        // Within the interval: hold the change for the trailing edge (one timer per burst).
        if (!st.dirty) {
            st.dirty = true;
            st.nextWriteAt = waitUntil;
            ctx.timerService().registerProcessingTimeTimer(waitUntil);
        }
        if (!st.flushTimerSet) {
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            st.flushTimerSet = true;
        }
        state.update(st);
    }

    /** Stores what must be kept after a write, or forgets the user here if nothing must be. */
    private void settle(
            AssemblerState st, boolean stored, org.apache.flink.streaming.api.TimerService timers)
            throws Exception {
        if (st.risk != null || st.recommendations != null) {
            state.update(st);
            return;
        }
        if (st.flushTimerSet) {
            timers.deleteEventTimeTimer(Long.MAX_VALUE);
        }
        if (stored) {
            state.clear();
        }
    }

    /** Emits {@code risk_crossed} when the score at {@code t} is on the other side of the bar. */
    private void judgeRisk(
            String userId,
            AssemblerState st,
            long t,
            java.util.function.Consumer<ProfileChange> changes) {
        double score = st.risk.score(t, riskHalfLife);
        boolean above = score >= riskThreshold;
        if (above != st.risk.above) {
            changes.accept(
                    new ProfileChange(
                            userId,
                            t,
                            "risk_crossed",
                            Double.toString(ProfileDocument.round(st.risk.lastScore, 3)),
                            Double.toString(ProfileDocument.round(score, 3)),
                            st.core != null ? st.core.version : st.lastVersion));
            st.risk.above = above;
        }
        st.risk.lastScore = score;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ProfileRecord> out)
            throws Exception {
        AssemblerState st = state.value();
        if (st == null) {
            return;
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            st.flushTimerSet = false;
        }
        st.nextWriteAt = 0;
        if (st.dirty && st.core != null) {
            String user = ctx.getCurrentKey();
            emit(
                    user,
                    st,
                    ctx.timerService().currentWatermark(),
                    out,
                    c -> ctx.output(Descriptors.CHANGES, c));
            long intervalMillis = intervalMillis(ctx);
            if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && intervalMillis > 0) {
                long now = ctx.timerService().currentProcessingTime();
                recent.wrote(user, Math.max(now, timestamp) + intervalMillis, now);
            }
        }
        settle(st, true, ctx.timerService());
    }

    private void emit(
            String userId,
            AssemblerState st,
            long watermark,
            Collector<ProfileRecord> out,
            java.util.function.Consumer<ProfileChange> changes) {
        CoreFeatures core = st.core;
        long asOf =
                watermark == Long.MAX_VALUE ? core.lastSeen : Math.max(core.lastSeen, watermark);
        int tick = st.silenceTick;
        double riskScore = 0;
        int alerts30d = 0;
        if (st.risk != null) {
            asOf = Math.max(asOf, st.risk.at);
            judgeRisk(userId, st, asOf, changes);
            riskScore = st.risk.score(asOf, riskHalfLife);
            alerts30d = st.risk.alerts30d(asOf);
        }
        out.collect(
                new ProfileRecord(
                        userId,
                        epoch,
                        core.version,
                        ProfileDocument.render(
                                epoch,
                                userId,
                                core,
                                st.segment,
                                st.predictions,
                                st.recommendations,
                                tick,
                                asOf,
                                money,
                                features,
                                riskScore,
                                alerts30d),
                        false));
        st.lastVersion = core.version;
        if (st.risk != null && st.risk.spent(asOf, riskHalfLife)) {
            st.risk = null;
        }
        // Nothing is kept once written: the assembler holds a user's parts only while a write
        // is pending (about one coalescing interval), so its state stays small. A later alert
        // patches the stored document's risk group instead.
        st.core = null;
        st.segment = null;
        st.predictions = null;
        st.silenceTick = 0;
        st.dirty = false;
        written.inc();
    }

    @Override
    public void processBroadcastElement(
            ControlMessage message, Context ctx, Collector<ProfileRecord> out) throws Exception {
        if (ControlState.apply(ctx.getBroadcastState(Descriptors.CONTROL), message)) {
            interval.invalidate();
        }
    }
}
