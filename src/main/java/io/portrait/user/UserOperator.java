package io.portrait.user;

import io.portrait.anomaly.Alert;
import io.portrait.anomaly.Detectors;
import io.portrait.anomaly.Enriched;
import io.portrait.anomaly.Patterns;
import io.portrait.anomaly.RiskSignal;
import io.portrait.anomaly.Rule;
import io.portrait.anomaly.RulesEngine;
import io.portrait.anomaly.Suppression;
import io.portrait.common.Hashing;
import io.portrait.common.Rounding;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlState;
import io.portrait.control.SettingCache;
import io.portrait.control.Settings;
import io.portrait.dedup.SeenIds;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
import io.portrait.predict.PredictionPart;
import io.portrait.predict.PredictionState;
import io.portrait.predict.Predictor;
import io.portrait.predict.StepInput;
import io.portrait.profile.CoreModule;
import io.portrait.profile.ProfileChange;
import io.portrait.profile.ProfileRecord;
import io.portrait.profile.RiskState;
import io.portrait.quality.BotState;
import io.portrait.quality.Quality;
import io.portrait.segment.ClusterDelta;
import io.portrait.segment.SegmentAssign;
import io.portrait.segment.SegmentModel;
import io.portrait.segment.SegmentPart;
import io.portrait.segment.SegmentRescore;
import io.portrait.segment.SegmentState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user operator: one keyed operator that owns everything about a user (shared/ARCHITECTURE.md,
 * "Data flow"). Input 1 (keyed by user id) carries accepted events and the CEP alerts read back
 * from {@code portrait.alerts.cep}; input 2 is the control stream, broadcast to every subtask. For
 * each event it runs the modules in order — de-duplication → data quality and bots → core features
 * → keyed detectors and dynamic rules → alert suppression → risk — and queues the LSTM step. All of
 * a user's state is one value ({@link UserStateCodec}), plus the rule buckets (map state: that
 * history truly grows).
 *
 * <p><b>Mini-batch.</b> A user's state is read and decoded when an event first touches it, then
 * kept in a heap cache of changed users. A <b>flush</b> runs the queued LSTM steps of every changed
 * user in batched ONNX calls, assigns segments, renders each changed user's document once, writes
 * each state value once and emits the documents for Redis. Flushes come at the interval of {@link
 * FlushPacer} (short while the operator keeps up, longer while it is behind), when the cache is
 * full, before every checkpoint barrier ({@link #prepareSnapshotPreBarrier}) and at the end of
 * input, so nothing is held across a checkpoint. An erase is written at once.
 *
 * <p><b>Timers.</b> At most one event-time timer per user, registered at flush and only when the
 * user needs an earlier one: the next silence update (churn rises while the user is quiet), the end
 * of the de-duplication and rules history (short-lived module state is dropped), retention. An
 * earlier timer than needed fires, finds nothing due and is set again. The end of a bounded input
 * (watermark at the end of time) triggers no silence or retention effect.
 *
 * <p>The operator is the only writer of profile documents and of {@code portrait.alerts}, and owns
 * {@code epoch}, {@code version} and {@code revision}.
 */
public final class UserOperator extends AbstractStreamOperator<ProfileRecord>
        implements TwoInputStreamOperator<UserInput, ControlMessage, ProfileRecord>,
                Triggerable<String, VoidNamespace> {
    /** Users a sweep visits between two looks at the clock. */
    private static final int SWEEP_CHUNK = 64;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(UserOperator.class);

    /** The control id of the next-action model: records {@code model:next-action}. */
    public static final String MODEL_ID = ModelRef.NEXT_ACTION;

    /** Keep at most this many event ids per user within the de-duplication horizon. */
    public static final int EVENT_IDS = 1024;

    /** Users assigned per centroid delta sent to the aggregator. */
    static final int DELTA_USERS = 500;

    /** Accumulators in the job's result: documents rendered, flushes that wrote something. */
    public static final String RENDERS = "userOperatorRenders";

    public static final String FLUSHES = "userOperatorFlushes";

    /** Weight of the latest prediction in the streaming accuracy and log-loss. */
    static final double FEEDBACK_ALPHA = 0.001;

    private final PortraitConfig config;
    private final long configuredEpoch;

    // ---- modules (plain Java, built in open())
    private transient Quality quality;
    private transient CoreModule core;
    private transient Detectors detectors;
    private transient RulesEngine rulesEngine;
    private transient SegmentAssign segments;

    // ---- state
    private transient ValueState<byte[]> state;
    private transient MapState<Long, byte[]> ruleBuckets;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient BroadcastState<String, ControlMessage> control;
    private transient ListState<Long> epochState;
    private transient ListState<ModelRef> modelState;
    private transient ListState<SweepProgress> sweepState;
    private transient long epoch;

    // ---- per-task buffers (emptied by every flush)
    private transient LinkedHashMap<String, UserState> cache;
    private transient Map<String, Map<Long, byte[]>> bucketWrites;
    private transient ClusterDelta pendingDelta;
    private transient boolean deltaChanged;
    private transient int deltaUsers;

    // ---- settings and models from the control stream
    private transient SettingCache dedupHorizon;
    private transient SettingCache flushSetting;
    private transient RulesEngine.RuleSet ruleSet;
    private transient SegmentModel segmentModel;
    private transient ModelRef modelRef;
    private transient Predictor predictor;

    // ---- segment re-scores through the key sweep
    private transient SweepProgress restoredSweep;
    private transient KeySweep sweep;
    private transient SegmentModel sweepModel;
    private transient SegmentModel sweepBaseline;
    private transient long sweepLastStart;
    private transient long sweepCheckedVersion;
    private transient long sweepLastStep;
    private transient boolean rescoreCheck;
    private transient boolean finishing;

    // ---- flush pacing
    private transient FlushPacer pacer;
    private transient long pacerMin;
    private transient ScheduledFuture<?> flushTimer;
    private transient long busyNanos;
    private transient long lastFlushNanos;

    // ---- metrics
    private transient Counter applied;
    private transient Counter duplicates;
    private transient Counter late;
    private transient Counter written;
    private transient Counter suppressed;
    private transient Counter emitted;
    private transient Counter flushes;
    private transient Counter behind;
    private transient Counter moves;
    private transient Counter steps;
    private transient Counter batches;
    private transient Counter rebuilds;
    private transient Counter modelFailures;
    private transient Counter rulesTooOld;
    private transient Counter rulesLate;
    private transient Counter rulesFired;
    private transient Counter sweptUsers;
    private transient Counter rescoreMoves;
    private transient Counter sweepsCompleted;
    private transient org.apache.flink.api.common.accumulators.LongCounter rendersTotal;
    private transient org.apache.flink.api.common.accumulators.LongCounter flushesTotal;
    private transient Map<String, Counter> qualityCounters;
    private transient CoreModule.Counters coreCounters;
    private transient RulesEngine.Counters rulesCounters;
    private transient Map<String, Counter> byRule;
    private transient Map<String, Feedback> feedback;
    private transient MetricGroup qualityGroup;
    private transient org.apache.flink.metrics.Histogram batchMicros;
    private transient volatile double lastBatchMillis;
    private transient volatile long flushIntervalMillis;

    public UserOperator(PortraitConfig config) {
        this.config = config;
        this.configuredEpoch = config.epoch();
    }

    // ------------------------------------------------------------------ life cycle

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        epochState =
                context.getOperatorStateStore()
                        .getUnionListState(new ListStateDescriptor<>("user-epoch", Types.LONG));
        long restored = 0;
        for (Long e : epochState.get()) {
            restored = Math.max(restored, e);
        }
        epoch =
                restored > 0
                        ? restored
                        : configuredEpoch > 0 ? configuredEpoch : Instant.now().getEpochSecond();
        modelState =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "user-model", TypeExtractor.getForClass(ModelRef.class)));
        for (ModelRef r : modelState.get()) {
            if (modelRef == null || r.version > modelRef.version) {
                modelRef = r;
            }
        }
        control = context.getOperatorStateStore().getBroadcastState(ControlState.DESCRIPTOR);
        sweepState =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "user-sweep",
                                        TypeExtractor.getForClass(SweepProgress.class)));
        restoredSweep = mergeSweeps(sweepState.get());
    }

    /**
     * The progress of every former task as one: the newest running request with the union of its
     * done key groups, the oldest baseline (at worst one re-score more), the latest start.
     */
    static SweepProgress mergeSweeps(Iterable<SweepProgress> entries) {
        SweepProgress merged = new SweepProgress();
        java.util.BitSet done = new java.util.BitSet();
        for (SweepProgress p : entries) {
            if (p.request > merged.request) {
                merged.request = p.request;
                merged.requestModel = p.requestModel;
                done = new java.util.BitSet();
            }
            if (p.request > 0 && p.request == merged.request && p.done != null) {
                done.or(java.util.BitSet.valueOf(p.done));
            }
            if (p.baseline != null
                    && (merged.baseline == null || p.baselineVersion < merged.baselineVersion)) {
                merged.baselineVersion = p.baselineVersion;
                merged.baseline = p.baseline;
            }
            merged.lastStart = Math.max(merged.lastStart, p.lastStart);
        }
        merged.done = done.toByteArray();
        return merged;
    }

    @Override
    public void open() throws Exception {
        super.open();
        quality = new Quality(config);
        core = new CoreModule(config);
        detectors = new Detectors(config);
        rulesEngine = new RulesEngine(config);
        segments = new SegmentAssign(config);
        state =
                getPartitionedState(
                        new ValueStateDescriptor<>(
                                "user", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        ruleBuckets =
                getPartitionedState(
                        new MapStateDescriptor<>(
                                "user-rule-buckets",
                                Types.LONG,
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        timers = getInternalTimerService("user-timer", VoidNamespaceSerializer.INSTANCE, this);
        cache = new LinkedHashMap<>();
        bucketWrites = new HashMap<>();
        pendingDelta = ClusterDelta.empty(segments.buckets());
        dedupHorizon = new SettingCache(Settings.DEDUP_HORIZON, config.dedupHorizon());
        flushSetting = new SettingCache(Settings.FLUSH_INTERVAL, config.flushInterval());
        pacerMin = flushSetting.get(control).toMillis();
        pacer = new FlushPacer(pacerMin, config.flushMaxInterval().toMillis());
        lastFlushNanos = System.nanoTime();
        metrics();
        restoreSweep();
        if (config.predict().enabled()) {
            openModel();
        }
    }

    private void metrics() {
        MetricGroup g = getMetricGroup();
        applied = g.counter("eventsApplied");
        duplicates = g.counter("duplicates");
        late = g.counter("late");
        written = g.counter("profilesEmitted");
        suppressed = g.counter("alertsSuppressed");
        emitted = g.counter("alertsEmitted");
        flushes = g.counter("flushes");
        behind = g.counter("flushesBehind");
        moves = g.counter("segmentMoves");
        MetricGroup sweepGroup = g.addGroup("sweep");
        sweptUsers = sweepGroup.counter("usersVisited");
        rescoreMoves = sweepGroup.counter("rescoreMoves");
        sweepsCompleted = sweepGroup.counter("completed");
        sweepGroup.gauge("progress", () -> sweep == null ? 1.0 : sweep.progress());
        sweepGroup.gauge("running", () -> sweep == null ? 0 : 1);
        g.gauge("flushIntervalMillis", () -> flushIntervalMillis);
        // Job-wide totals for the job's result (the benchmark divides them by the events).
        rendersTotal = new org.apache.flink.api.common.accumulators.LongCounter();
        flushesTotal = new org.apache.flink.api.common.accumulators.LongCounter();
        getRuntimeContext().addAccumulator(RENDERS, rendersTotal);
        getRuntimeContext().addAccumulator(FLUSHES, flushesTotal);
        g.gauge("cachedUsers", () -> cache == null ? 0 : cache.size());
        qualityGroup = g.addGroup("quality");
        qualityCounters = new HashMap<>();
        for (String r : Quality.REASONS) {
            qualityCounters.put(r, qualityGroup.counter(r));
        }
        for (String r : new String[] {"invalid_age", "invalid_gender", "invalid_country"}) {
            qualityCounters.put(r, qualityGroup.counter(r));
        }
        MetricGroup rules = g.addGroup("rules");
        rulesTooOld = rules.counter("tooOld");
        rulesLate = rules.counter("late");
        rulesFired = rules.counter("alerts");
        byRule = new HashMap<>();
        // Built once: the modules report through these for every event.
        coreCounters =
                new CoreModule.Counters() {
                    @Override
                    public void late() {
                        late.inc();
                    }

                    @Override
                    public void rejected(String reason) {
                        count(reason);
                    }
                };
        rulesCounters =
                new RulesEngine.Counters() {
                    @Override
                    public void tooOld() {
                        rulesTooOld.inc();
                    }

                    @Override
                    public void late() {
                        rulesLate.inc();
                    }

                    @Override
                    public void fired() {
                        rulesFired.inc();
                    }
                };
        steps = g.counter("predictionSteps");
        batches = g.counter("predictionBatches");
        rebuilds = g.counter("predictionStateRebuilds");
        modelFailures = g.counter("modelLoadFailures");
        g.gauge("predictionBatchMillis", () -> lastBatchMillis);
        batchMicros =
                g.histogram(
                        "inferenceMicros",
                        new org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram(1_000));
        g.gauge("modelVersion", () -> modelRef == null ? -1L : modelRef.version);
        g.gauge(
                "predictionMeanBatchSize",
                () ->
                        batches.getCount() == 0
                                ? 0.0
                                : steps.getCount() / (double) batches.getCount());
        feedback = new HashMap<>();
    }

    private void count(String reason) {
        qualityCounters.computeIfAbsent(reason, r -> qualityGroup.counter(r)).inc();
    }

    private Counter ruleCounter(String rule) {
        return byRule.computeIfAbsent(
                rule, r -> getMetricGroup().addGroup("rule", r).counter("alerts"));
    }

    public long epoch() {
        return epoch;
    }

    // ------------------------------------------------------------------ models

    private ModelRef configuredModel() {
        return new ModelRef(MODEL_ID, 0, config.predict().model(), null);
    }

    private void openModel() throws Exception {
        ModelRef ref = modelRef != null ? modelRef : configuredModel();
        try {
            use(ref, OnnxModel.acquire(ref));
        } catch (Exception e) {
            if (ref.version == 0) {
                throw new IllegalArgumentException(
                        "portrait.predict.model " + ref.uri + " cannot be used: " + e.getMessage(),
                        e);
            }
            // A restored reference that no longer loads: fall back to the configured model.
            LOG.error(
                    "model {} no longer loads ({}); using the configured one", ref, e.getMessage());
            modelFailures.inc();
            ModelRef fallback = configuredModel();
            use(fallback, OnnxModel.acquire(fallback));
        }
    }

    private void use(ModelRef ref, OnnxModel model) {
        if (predictor != null) {
            predictor.model().release();
        }
        modelRef = ref;
        String label = ref.version == 0 ? model.info().name() : ref.label();
        predictor =
                new Predictor(
                        model, label, config.predict().batchSize(), config.predict().history());
        LOG.info("predictions use model {} ({}, sha256 {})", label, ref.uri, model.sha256());
    }

    /** The label of the model in use (for tests). */
    String modelLabel() {
        return predictor == null ? null : predictor.label();
    }

    /**
     * A {@code model:next-action} record: finish the queued steps under the current model, then
     * switch — at this point of this subtask's input. A model that fails to load is refused.
     */
    private void switchModel(ControlMessage m) throws Exception {
        ModelRef next;
        if (m.deleted()) {
            next = configuredModel();
        } else {
            next = ModelRef.fromPayload(m.id(), m.version(), m.payload());
            if (modelRef != null && modelRef.version >= next.version) {
                return; // the compacted topic is read again after every restore
            }
        }
        if (modelRef != null
                && java.util.Objects.equals(modelRef.uri, next.uri)
                && java.util.Objects.equals(modelRef.sha256, next.sha256)
                && modelRef.version == next.version) {
            return;
        }
        OnnxModel loaded;
        try {
            loaded = OnnxModel.acquire(next);
        } catch (Exception e) {
            modelFailures.inc();
            LOG.error("model {} rejected, keeping {}: {}", next, modelLabel(), e.getMessage());
            return;
        }
        flush();
        use(next, loaded);
    }

    // ------------------------------------------------------------------ control

    @Override
    public void processElement2(StreamRecord<ControlMessage> record) throws Exception {
        ControlMessage m = record.getValue();
        if (config.predict().enabled() && "model".equals(m.kind()) && MODEL_ID.equals(m.id())) {
            switchModel(m);
            return;
        }
        if (!ControlState.apply(control, m)) {
            return;
        }
        switch (m.kind()) {
            case "rule" -> ruleSet = null;
            case "centroids" -> {
                segmentModel = null;
                rescoreCheck = true; // the next flush decides whether it is worth a re-score
                armFlush();
            }
            case Settings.KIND -> {
                dedupHorizon.invalidate();
                flushSetting.invalidate();
                long min = flushSetting.get(control).toMillis();
                if (min != pacerMin) {
                    pacerMin = min;
                    pacer = pacer.withMin(min);
                }
            }
            default -> {}
        }
    }

    private RulesEngine.RuleSet rules() throws Exception {
        if (ruleSet == null) {
            List<Rule> enabled = new ArrayList<>();
            for (Map.Entry<String, ControlMessage> e : control.immutableEntries()) {
                ControlMessage m = e.getValue();
                if ("rule".equals(m.kind())) {
                    Rule r = Rule.parse(m.id(), m.version(), m.payload());
                    if (r.enabled()) {
                        enabled.add(r);
                    }
                }
            }
            ruleSet = RulesEngine.RuleSet.of(enabled, rulesEngine.historyMillis());
        }
        return ruleSet;
    }

    private SegmentModel segmentModel() throws Exception {
        ControlMessage m = control.get("centroids:" + SegmentModel.CONTROL_ID);
        if (m == null) {
            segmentModel = null;
        } else if (segmentModel == null || segmentModel.version() != m.version()) {
            segmentModel = SegmentModel.fromJson(m.version(), m.payload());
        }
        return segmentModel;
    }

    // ------------------------------------------------------------------ events and alerts

    @Override
    public void processElement1(StreamRecord<UserInput> record) throws Exception {
        long start = System.nanoTime();
        UserInput in = record.getValue();
        String user = (String) getCurrentKey();
        if (in.event != null && in.event.type() == EventType.ERASE) {
            erase(user, in.event);
        } else {
            UserState s = touch(user);
            if (in.event != null && s.isErased()) {
                // Erased or expired before: a new profile, its version moving on from the floor.
                UserState fresh = new UserState();
                fresh.core.version = s.core.version;
                fresh.timerAt = s.timerAt;
                s = fresh;
                cache.put(user, s);
            }
            if (in.event != null) {
                event(user, s, in.event);
            } else {
                readBack(s, in.alert);
            }
        }
        busyNanos += System.nanoTime() - start;
        if (cache.size() >= config.flushMaxUsers()) {
            flush();
        } else {
            armFlush();
        }
    }

    /** The user's state from the cache, or read and decoded (one state read) and cached. */
    private UserState touch(String user) throws Exception {
        UserState s = cache.get(user);
        if (s == null) {
            byte[] bytes = state.value();
            s = bytes == null ? new UserState() : UserStateCodec.decode(bytes);
            cache.put(user, s);
        }
        return s;
    }

    private void event(String user, UserState s, Event input) throws Exception {
        long horizon = dedupHorizon.get(control).toMillis();
        if (!s.eventIds.add(Hashing.hash64(input.eventId()), input.ts(), horizon, EVENT_IDS)) {
            duplicates.inc();
            return;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (s.bot == null) {
            s.bot = new BotState();
        }
        Quality.Result q = quality.apply(s.bot, input, now, this::count);
        Event e = q.event();
        if (q.alert() != null) {
            raise(s, q.alert());
        }
        if (config.recommend().enabled()) {
            output.collect(UserOutputs.CHECKED, new StreamRecord<>(e, e.ts()));
        }
        boolean anomaly = config.anomaly().enabled();
        Enriched enriched = anomaly ? CoreModule.enrich(e, s.core) : null;
        long watermark = timers.currentWatermark();
        s.core.version++;
        applied.inc();
        core.apply(s.core, s.orderIds, e, watermark, coreCounters);
        s.revision = 0;
        s.silenceAt = 0;
        s.changed = true;
        if (anomaly) {
            if (forCep(enriched)) {
                output.collect(UserOutputs.ENRICHED, new StreamRecord<>(enriched, e.ts()));
            }
            if (s.detectors == null) {
                s.detectors = new Detectors.State();
            }
            detectors.apply(s.detectors, enriched, now, a -> raise(s, a));
            RulesEngine.RuleSet set = rules();
            if (set.horizon() > 0) {
                if (s.rules == null) {
                    s.rules = new RulesEngine.State();
                }
                rulesEngine.apply(
                        s.rules,
                        buckets(user),
                        set,
                        e,
                        watermark,
                        now,
                        rulesCounters,
                        a -> raise(s, a));
            }
        }
        if (config.predict().enabled() && !e.botSuspected()) {
            s.queue(StepInput.of(e));
        }
    }

    /** Only what the CEP patterns can use goes to them: logins, refunds, unusual purchases. */
    private boolean forCep(Enriched e) {
        EventType t = e.event().type();
        return t == EventType.LOGIN_FAILED
                || t == EventType.LOGIN
                || t == EventType.PASSWORD_CHANGE
                || t == EventType.REFUND
                || (t == EventType.PURCHASE && Patterns.isUnusualPurchase(e, config.anomaly()));
    }

    /** A CEP alert read back from the loop topic: suppressed, risk, published. */
    private void readBack(UserState s, Alert a) throws Exception {
        if (s.isErased() || s.core.version == 0) {
            // Erased since (the alert was on its way), or never seen: nothing to attach it to.
            return;
        }
        if (s.suppression == null) {
            s.suppression = new Suppression();
        }
        if (s.suppression.seen(a.alertId())) {
            return; // delivered again (the loop is at least once)
        }
        raise(s, a);
    }

    /** An alert of any module: suppression, then the risk group and {@code portrait.alerts}. */
    private void raise(UserState s, Alert a) {
        if (s.suppression == null) {
            s.suppression = new Suppression();
        }
        if (!s.suppression.admit(
                a, config.anomaly().suppression().toMillis(), timers.currentWatermark())) {
            suppressed.inc();
            return;
        }
        s.suppression.seen(a.alertId());
        if (s.risk == null) {
            s.risk = new RiskState();
        }
        s.risk.add(RiskSignal.of(a), config.anomaly().riskHalfLife().toMillis());
        // Judged when the alert arrives, at the later of its time and the user's latest event
        // (the watermark may be far ahead when a CEP match comes back through the loop).
        judgeRisk(a.userId(), s, Math.max(s.risk.at, s.core.lastSeen));
        s.renderNeeded = true;
        emitted.inc();
        ruleCounter(a.rule()).inc();
        output.collect(UserOutputs.ALERTS, new StreamRecord<>(a, a.ts()));
    }

    /**
     * Erase: the tombstone and the state write happen at once, never coalesced; the user leaves the
     * cache, its queued steps and rule buckets go, its segment contribution is taken out.
     */
    private void erase(String user, Event e) throws Exception {
        UserState s = cache.remove(user);
        if (s == null) {
            byte[] bytes = state.value();
            s = bytes == null ? new UserState() : UserStateCodec.decode(bytes);
        }
        long version = s.core.version + 1;
        applied.inc();
        if (s.segment != null) {
            segments.remove(s.segment, pendingDelta);
            deltaChanged = true;
        }
        bucketWrites.remove(user);
        ruleBuckets.clear();
        UserState gone = UserState.erased(version);
        gone.timerAt = s.timerAt;
        state.update(UserStateCodec.encode(gone));
        long now = getProcessingTimeService().getCurrentProcessingTime();
        output.collect(
                UserOutputs.CHANGES,
                new StreamRecord<>(new ProfileChange(user, now, "erased", null, null, version)));
        output.collect(
                new StreamRecord<>(
                        new ProfileRecord(
                                user,
                                epoch,
                                version,
                                ProfileDocument.tombstone(epoch, version),
                                true)));
        written.inc();
        if (config.recommend().enabled()) {
            output.collect(UserOutputs.CHECKED, new StreamRecord<>(e, e.ts()));
        }
    }

    /** The rule buckets of the current user, with this flush's writes in front of map state. */
    private RulesEngine.BucketStore buckets(String user) {
        Map<Long, byte[]> writes = bucketWrites.computeIfAbsent(user, u -> new HashMap<>());
        return new RulesEngine.BucketStore() {
            @Override
            public byte[] get(long start) throws Exception {
                if (writes.containsKey(start)) {
                    return writes.get(start);
                }
                return ruleBuckets.get(start);
            }

            @Override
            public void put(long start, byte[] digests) {
                writes.put(start, digests);
            }

            @Override
            public void remove(long start) {
                writes.put(start, null);
            }
        };
    }

    // ------------------------------------------------------------------ timers

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        long start = System.nanoTime();
        String user = timer.getKey();
        long t = timer.getTimestamp();
        UserState s = cache.get(user);
        boolean cached = s != null;
        if (s == null) {
            byte[] bytes = state.value();
            if (bytes == null) {
                return;
            }
            s = UserStateCodec.decode(bytes);
        }
        if (s.timerAt != t || s.isErased()) {
            return; // superseded by an earlier timer
        }
        s.timerAt = 0;
        if (timers.currentWatermark() == Long.MAX_VALUE) {
            // The end of a bounded input is not time passing: no silence, no expiry.
            if (!cached) {
                state.update(UserStateCodec.encode(s));
            }
            return;
        }
        // Judged at the watermark, which may be past the timer: one firing does all that is due.
        if (catchUp(user, s, Math.max(t, timers.currentWatermark()))) {
            cache.remove(user);
            bucketWrites.remove(user);
            state.update(UserStateCodec.encode(UserState.erased(s.core.version)));
        } else if (!cached) {
            cache.put(user, s);
        }
        busyNanos += System.nanoTime() - start;
        armFlush();
    }

    /**
     * Applies what event time {@code now} makes due for the user (the current key): retention, the
     * end of short-lived state, the next silence update. Returns true if the user expired (the
     * caller writes the version floor and forgets the user).
     */
    private boolean catchUp(String user, UserState s, long now) throws Exception {
        long lastSeen = s.core.lastSeen;
        if (lastSeen == Long.MIN_VALUE || now == Long.MAX_VALUE || now <= lastSeen) {
            return false; // no event time yet, the end of input, or nothing has passed
        }
        long retention = config.features().retention().toMillis();
        if (retention > 0 && lastSeen + retention <= now) {
            // Inactive past the retention: forget everything but the version floor.
            if (s.segment != null) {
                segments.remove(s.segment, pendingDelta);
                deltaChanged = true;
            }
            ruleBuckets.clear();
            return true;
        }
        if (lastSeen + shortLivedHorizon() <= now) {
            dropShortLived(user, s);
        }
        long tick = config.predict().silenceTick().toMillis();
        if (config.predict().enabled() && tick > 0 && s.prediction != null) {
            long k = Math.min((now - lastSeen) / tick, config.predict().silenceTicks());
            if (k >= 1) {
                long at = lastSeen + k * tick;
                if (at > s.silenceAt) {
                    s.silenceAt = at;
                    s.renderNeeded = true;
                }
            }
        }
        return false;
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

    /** How long after a user's latest event its short-lived module state is kept. */
    private long shortLivedHorizon() throws Exception {
        long h = dedupHorizon.get(control).toMillis();
        if (config.anomaly().enabled()) {
            h = Math.max(h, rules().horizon());
            h = Math.max(h, config.anomaly().cardTestingWindow().toMillis());
            h = Math.max(h, config.anomaly().suppression().toMillis());
        }
        return h;
    }

    /** Drops what only matters within the horizon of the latest event. */
    private void dropShortLived(String user, UserState s) throws Exception {
        s.eventIds = new SeenIds();
        s.orderIds = new SeenIds();
        s.bot = null;
        if (s.detectors != null) {
            s.detectors.clearOrders();
        }
        if (s.rules != null) {
            RulesEngine.clear(s.rules, buckets(user));
            s.rules = null;
        }
        s.suppression = null;
        if (s.core.orderValues.open) {
            s.core.orderValues.close();
        }
    }

    /** The earliest moment something is due for the user (0: nothing). */
    private long nextWake(UserState s) throws Exception {
        long lastSeen = s.core.lastSeen;
        if (s.isErased() || lastSeen == Long.MIN_VALUE) {
            return 0;
        }
        long wake = Long.MAX_VALUE;
        long tick = config.predict().silenceTick().toMillis();
        if (config.predict().enabled() && tick > 0 && s.prediction != null) {
            long from = Math.max(s.silenceAt, lastSeen);
            long k = (from - lastSeen) / tick + 1;
            if (k <= config.predict().silenceTicks()) {
                wake = Math.min(wake, lastSeen + k * tick);
            }
        }
        boolean shortLived =
                !s.eventIds.isEmpty()
                        || !s.orderIds.isEmpty()
                        || s.bot != null
                        || s.rules != null
                        || s.suppression != null
                        || (s.detectors != null && !s.detectors.isEmpty());
        if (shortLived) {
            wake = Math.min(wake, lastSeen + shortLivedHorizon());
        }
        long retention = config.features().retention().toMillis();
        if (retention > 0) {
            wake = Math.min(wake, lastSeen + retention);
        }
        return wake == Long.MAX_VALUE ? 0 : wake;
    }

    /** Registers a timer when the user needs one earlier than the one it has. */
    private void arm(UserState s) throws Exception {
        long wake = nextWake(s);
        if (wake == 0 || wake == Long.MAX_VALUE) {
            return;
        }
        if (s.timerAt == 0 || wake < s.timerAt) {
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, wake);
            s.timerAt = wake;
        }
    }

    // ------------------------------------------------------------------ flush

    private void armFlush() {
        if (finishing) {
            return; // the end of input: no timer outlives finish()
        }
        if (flushTimer == null && (!cache.isEmpty() || sweep != null || rescoreCheck)) {
            long at = getProcessingTimeService().getCurrentProcessingTime() + pacer.interval();
            flushTimer =
                    getProcessingTimeService()
                            .registerTimer(
                                    at,
                                    ts -> {
                                        flushTimer = null;
                                        flush();
                                    });
        }
    }

    /**
     * Runs the queued LSTM steps, assigns segments, renders and emits every changed user's document
     * once, writes every changed state value once, sends the pending centroid deltas.
     */
    public void flush() throws Exception {
        long start = System.nanoTime();
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        boolean full = cache.size() >= config.flushMaxUsers();
        if (!cache.isEmpty()) {
            flushes.inc();
            flushesTotal.add(1);
            if (predictor != null) {
                predict();
            }
            SegmentModel model = config.segments().enabled() ? segmentModel() : null;
            long watermark = timers.currentWatermark();
            for (Map.Entry<String, UserState> entry : cache.entrySet()) {
                String user = entry.getKey();
                UserState s = entry.getValue();
                setCurrentKey(user);
                writeBuckets(user);
                if (s.isErased()) {
                    state.update(UserStateCodec.encode(s));
                    continue;
                }
                // What the watermark has made due already is done now: a timer set in the past
                // would wait for the next watermark, which an idle input may never send.
                if (catchUp(user, s, watermark)) {
                    state.update(UserStateCodec.encode(UserState.erased(s.core.version)));
                    continue;
                }
                if (s.changed || s.renderNeeded) {
                    render(user, s, segmentPart(user, s, model), watermark);
                }
                arm(s);
                s.changed = false;
                s.renderNeeded = false;
                state.update(UserStateCodec.encode(s));
            }
            cache.clear();
            bucketWrites.clear();
        }
        sweepStep();
        sendDelta();
        if (sweep != null || rescoreCheck) {
            armFlush(); // the next step comes with the next flush, events or not
        }
        long end = System.nanoTime();
        busyNanos += end - start;
        if (pacer.update(busyNanos, end - lastFlushNanos, full)) {
            behind.inc();
        }
        flushIntervalMillis = pacer.interval();
        busyNanos = 0;
        lastFlushNanos = end;
    }

    /** Sends the pending centroid changes (at flush, and every {@value #DELTA_USERS} users). */
    private void sendDelta() {
        if (deltaChanged && !pendingDelta.isEmpty()) {
            output.collect(UserOutputs.CLUSTER_DELTAS, new StreamRecord<>(pendingDelta.built()));
            pendingDelta = ClusterDelta.empty(segments.buckets());
        }
        deltaChanged = false;
        deltaUsers = 0;
    }

    private void writeBuckets(String user) throws Exception {
        Map<Long, byte[]> writes = bucketWrites.get(user);
        if (writes == null) {
            return;
        }
        for (Map.Entry<Long, byte[]> w : writes.entrySet()) {
            if (w.getValue() == null) {
                ruleBuckets.remove(w.getKey());
            } else {
                ruleBuckets.put(w.getKey(), w.getValue());
            }
        }
    }

    private void predict() throws Exception {
        List<Predictor.Work> work = new ArrayList<>();
        for (UserState s : cache.values()) {
            if (s.queued != null && !s.queued.isEmpty()) {
                if (s.prediction == null) {
                    s.prediction = new PredictionState();
                }
                work.add(new Predictor.Work(s.prediction, s.queued));
            }
        }
        if (work.isEmpty()) {
            return;
        }
        predictor.run(
                work,
                new Predictor.Listener() {
                    @Override
                    public void batch(int users, int n, long micros) {
                        batches.inc();
                        steps.inc(n);
                        batchMicros.update(micros);
                        lastBatchMillis = micros / 1000.0;
                    }

                    @Override
                    public void rebuilt() {
                        rebuilds.inc();
                    }

                    @Override
                    public void scored(String version, float[] predicted, int actual) {
                        feedback.computeIfAbsent(
                                        version,
                                        v -> new Feedback(getMetricGroup().addGroup("model", v)))
                                .observe(predicted, actual);
                    }
                });
        for (UserState s : cache.values()) {
            s.queued = null;
        }
    }

    /**
     * The user's segment group for the document: assigned (and counted in the centroid delta) when
     * the features changed, else described with the current model.
     */
    private SegmentPart segmentPart(String user, UserState s, SegmentModel model) {
        if (!config.segments().enabled()) {
            return null;
        }
        if (s.segment == null) {
            s.segment = new SegmentState();
        }
        return s.changed ? assign(user, s, model) : segments.describe(s.segment, s.core, model);
    }

    /**
     * Assigns the user's current vector with {@code model}; a move is a {@code segment_changed}.
     */
    private SegmentPart assign(String user, UserState s, SegmentModel model) {
        io.portrait.profile.CoreFeatures f = s.core;
        SegmentPart segment =
                segments.assign(
                        s.segment,
                        f,
                        user,
                        model,
                        pendingDelta,
                        (from, to) -> {
                            moves.inc();
                            output.collect(
                                    UserOutputs.CHANGES,
                                    new StreamRecord<>(
                                            new ProfileChange(
                                                    user,
                                                    f.lastSeen,
                                                    "segment_changed",
                                                    Integer.toString(from),
                                                    Integer.toString(to),
                                                    f.version)));
                        });
        deltaChanged = true;
        if (++deltaUsers >= DELTA_USERS) {
            sendDelta(); // keeps each delta (and its sample) small for the aggregator
        }
        return segment;
    }

    private void render(String user, UserState s, SegmentPart segment, long watermark) {
        if (!s.changed) {
            s.revision++;
        }
        io.portrait.profile.CoreFeatures f = s.core;
        PredictionPart predictions = null;
        PredictionState p = s.prediction;
        if (p != null && p.nextAction != null) {
            float churn =
                    s.silenceAt > 0
                            ? Predictor.churnAfterSilence(
                                    p.churn, s.silenceAt - p.lastTs, predictor.model().info())
                            : p.churn;
            predictions = new PredictionPart(p.nextAction, p.purchaseSoon, churn, p.modelVersion);
        }
        long asOf = watermark == Long.MAX_VALUE ? f.lastSeen : Math.max(f.lastSeen, watermark);
        asOf = Math.max(asOf, s.silenceAt);
        double riskScore = 0;
        int alerts30d = 0;
        long halfLife = config.anomaly().riskHalfLife().toMillis();
        if (s.risk != null) {
            asOf = Math.max(asOf, s.risk.at);
            judgeRisk(user, s, asOf);
            riskScore = s.risk.score(asOf, halfLife);
            alerts30d = s.risk.alerts30d(asOf);
        }
        Money money = config.money();
        output.collect(
                new StreamRecord<>(
                        new ProfileRecord(
                                user,
                                epoch,
                                f.version,
                                ProfileDocument.render(
                                        epoch,
                                        user,
                                        f,
                                        segment,
                                        predictions,
                                        s.revision,
                                        asOf,
                                        money,
                                        config.features(),
                                        riskScore,
                                        alerts30d),
                                false)));
        written.inc();
        rendersTotal.add(1);
        if (s.risk != null && s.risk.spent(asOf, halfLife)) {
            s.risk = null;
        }
    }

    /** Emits {@code risk_crossed} when the score at {@code t} is on the other side of the bar. */
    private void judgeRisk(String user, UserState s, long t) {
        double score = s.risk.score(t, config.anomaly().riskHalfLife().toMillis());
        boolean above = score >= config.anomaly().riskThreshold();
        if (above != s.risk.above) {
            output.collect(
                    UserOutputs.CHANGES,
                    new StreamRecord<>(
                            new ProfileChange(
                                    user,
                                    t,
                                    "risk_crossed",
                                    Double.toString(Rounding.round(s.risk.lastScore, 3)),
                                    Double.toString(Rounding.round(score, 3)),
                                    s.core.version)));
            s.risk.above = above;
        }
        s.risk.lastScore = score;
    }

    // ------------------------------------------------------------------ re-scores (key sweep)

    private void restoreSweep() throws Exception {
        SweepProgress p = restoredSweep;
        restoredSweep = null;
        if (p == null || !config.segments().enabled()) {
            return;
        }
        sweepLastStart = p.lastStart;
        if (p.baseline != null) {
            sweepBaseline = SegmentModel.fromJson(p.baselineVersion, p.baseline);
        }
        if (p.request > 0 && p.requestModel != null) {
            sweepModel = SegmentModel.fromJson(p.request, p.requestModel);
            sweep = newSweep(p.request, java.util.BitSet.valueOf(p.done));
            sweepLastStep = getProcessingTimeService().getCurrentProcessingTime();
            if (sweep.complete()) {
                completeSweep();
            } else {
                armFlush();
            }
        }
    }

    private KeySweep newSweep(long request, java.util.BitSet done) {
        org.apache.flink.api.common.TaskInfo task = getRuntimeContext().getTaskInfo();
        org.apache.flink.runtime.state.KeyGroupRange range =
                org.apache.flink.runtime.state.KeyGroupRangeAssignment
                        .computeKeyGroupRangeForOperatorIndex(
                                task.getMaxNumberOfParallelSubtasks(),
                                task.getNumberOfParallelSubtasks(),
                                task.getIndexOfThisSubtask());
        return new KeySweep(request, range.getStartKeyGroup(), range.getEndKeyGroup(), done);
    }

    private SweepProgress sweepProgress() {
        SweepProgress p = new SweepProgress();
        p.lastStart = sweepLastStart;
        if (sweepBaseline != null) {
            p.baselineVersion = sweepBaseline.version();
            p.baseline = sweepBaseline.toJson();
        }
        if (sweep != null) {
            p.request = sweep.request();
            p.requestModel = sweepModel.toJson();
            p.done = sweep.done().toByteArray();
        }
        return p;
    }

    /**
     * Starts a re-score when the model in force differs materially from the one the last completed
     * re-score used (and the minimum interval since the last start has passed), then visits the
     * next users of the running sweep — as many as {@code portrait.sweep.rate} allows for the time
     * since the last step, none while the operator is behind. Runs at the end of a flush, when the
     * cache is empty.
     */
    private void sweepStep() throws Exception {
        if (!config.segments().enabled()) {
            return;
        }
        SegmentModel model = segmentModel();
        if (model == null) {
            return;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        rescoreCheck = false;
        if (sweep == null && model.version() != sweepCheckedVersion) {
            if (!SegmentRescore.material(sweepBaseline, model, config.segments().rescoreShift())) {
                sweepCheckedVersion = model.version();
            } else if (now - sweepLastStart < config.segments().rescoreMinInterval().toMillis()) {
                rescoreCheck = true; // asked again at the next flush
            } else {
                sweepCheckedVersion = model.version();
                sweepModel = model;
                sweepLastStart = now;
                sweep = newSweep(model.version(), new java.util.BitSet());
                sweepLastStep = now;
                LOG.info(
                        "segment re-score of every user started: model {} (last completed: {})",
                        model.version(),
                        sweepBaseline == null ? "none" : sweepBaseline.version());
            }
        }
        if (sweep == null || pacer.interval() > pacerMin) {
            return;
        }
        // As many users as the rate allows for the time since the last step (at most a second's),
        // within a tenth of the flush interval: a sweep adds at most that to any flush's latency.
        double seconds = Math.min(1.0, Math.max(0, now - sweepLastStep) / 1000.0);
        sweepLastStep = now;
        int budget = (int) Math.max(1, Math.round(config.sweepRate() * seconds));
        long sliceEnd = System.nanoTime() + config.flushInterval().toNanos() / 10;
        long watermark = timers.currentWatermark();
        List<String> users = new ArrayList<>(SWEEP_CHUNK);
        while (budget > 0 && !sweep.complete() && System.nanoTime() < sliceEnd) {
            if (sweep.needsKeys()) {
                refillSweep();
            }
            users.clear();
            sweep.next(Math.min(SWEEP_CHUNK, budget), users);
            if (users.isEmpty()) {
                break;
            }
            for (String user : users) {
                rescore(user, model, watermark);
            }
            budget -= users.size();
        }
        if (sweep.complete()) {
            completeSweep();
        }
    }

    /** The next window of whole key groups from the state backend's keys. */
    private void refillSweep() throws Exception {
        int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        @SuppressWarnings("unchecked")
        org.apache.flink.runtime.state.KeyedStateBackend<String> backend =
                (org.apache.flink.runtime.state.KeyedStateBackend<String>)
                        (org.apache.flink.runtime.state.KeyedStateBackend<?>)
                                getKeyedStateBackend();
        try (java.util.stream.Stream<String> keys =
                backend.getKeys("user", VoidNamespace.INSTANCE)) {
            sweep.refill(
                    keys.iterator(),
                    k ->
                            org.apache.flink.runtime.state.KeyGroupRangeAssignment.assignToKeyGroup(
                                    k, maxParallelism),
                    config.sweepRate());
        }
    }

    private void completeSweep() {
        LOG.info(
                "segment re-score of every user done on this task: model {}, {} users visited",
                sweep.request(),
                sweep.visited());
        sweepBaseline = sweepModel;
        sweepModel = null;
        sweep = null;
        sweepsCompleted.inc();
    }

    /**
     * Re-assigns one user with {@code model}: a user whose segment changed is written (state and a
     * document with a new revision) and reported as {@code segment_changed}; the others are left as
     * they are.
     */
    private void rescore(String user, SegmentModel model, long watermark) throws Exception {
        setCurrentKey(user);
        byte[] bytes = state.value();
        if (bytes == null) {
            return;
        }
        UserState s = UserStateCodec.decode(bytes);
        if (s.isErased()) {
            return;
        }
        sweptUsers.inc();
        if (s.segment == null) {
            s.segment = new SegmentState();
        }
        int id = s.segment.segmentId;
        int index = s.segment.index;
        SegmentPart part = assign(user, s, model);
        if (s.segment.segmentId != id) {
            rescoreMoves.inc();
            render(user, s, part, watermark);
            state.update(UserStateCodec.encode(s));
        } else if (s.segment.index != index) {
            state.update(UserStateCodec.encode(s));
        }
    }

    // ------------------------------------------------------------------ checkpoints and end

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        epochState.update(List.of(epoch));
        sweepState.update(List.of(sweepProgress()));
        modelState.update(modelRef == null ? List.of() : List.of(modelRef));
    }

    @Override
    public void finish() throws Exception {
        finishing = true;
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        if (predictor != null) {
            predictor.model().release();
            predictor = null;
        }
        super.close();
    }

    /** A user's state as the next flush would write it: the cached one, else the stored one. */
    UserState peek(String user) throws Exception {
        UserState s = cache.get(user);
        if (s != null) {
            return s;
        }
        setCurrentKey(user);
        byte[] bytes = state.value();
        return bytes == null ? null : UserStateCodec.decode(bytes);
    }

    /** Users the running re-score has visited on this task, or -1 when none runs (for tests). */
    long sweepVisited() {
        return sweep == null ? -1 : sweep.visited();
    }

    /** Users held in the cache now (for tests). */
    int cachedUsers() {
        return cache.size();
    }

    /** The flush interval in force (for tests). */
    long flushInterval() {
        return pacer.interval();
    }

    /** Streaming accuracy and log-loss of one model version's next-action predictions. */
    static final class Feedback {
        private final Counter scored;
        private volatile double accuracy = Double.NaN;
        private volatile double logloss = Double.NaN;

        Feedback(MetricGroup group) {
            scored = group.counter("predictionsScored");
            group.gauge("nextActionAccuracy", () -> accuracy);
            group.gauge("nextActionLogLoss", () -> logloss);
        }

        void observe(float[] predicted, int actual) {
            double hit = io.portrait.predict.Evaluation.argmax(predicted) == actual ? 1 : 0;
            double loss = -Math.log(Math.max(predicted[actual], 1e-7));
            long n = scored.getCount();
            // A plain mean until the window fills, then an exponential moving average.
            double a = Math.max(FEEDBACK_ALPHA, 1.0 / (n + 1));
            accuracy = n == 0 ? hit : accuracy + a * (hit - accuracy);
            logloss = n == 0 ? loss : logloss + a * (loss - logloss);
            scored.inc();
        }
    }
}
