package io.portrait.predict;

import io.portrait.config.PortraitConfig;
import io.portrait.event.EventType;
import io.portrait.profile.ProfilePart;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advances each user's LSTM by one step per event, batching steps of many users into one ONNX
 * Runtime call, and attaches {@code predictions} to the profile part it passes on.
 *
 * <p>The input is keyed by user: profile parts from the profile core, in the same task (a one-input
 * operator chains, so predictions cost no extra hop). A part that carries a {@link StepInput} needs
 * a model step; others (erase markers, silence ticks, bot-flagged events) are answered from state.
 * Parts of one user leave in arrival order: while a user has a step queued, later parts of that
 * user queue behind it, and each batch holds at most one step per user (step k+1 needs step k's (h,
 * c)). A flush runs every queued part through as many batches as it takes; it happens when {@code
 * batch-size} steps are queued, {@code max-delay} after the first queued step, before a watermark
 * is forwarded, before a checkpoint barrier, and at the end of input — so nothing is in flight
 * across a checkpoint, and no part is overtaken by a watermark.
 *
 * <p>Input 2 is the broadcast control stream: a {@code model} record with id {@value #MODEL_ID}
 * switches every task to a new model (loaded once per JVM, checked by sha256); a tombstone goes
 * back to the configured one. A user whose (h, c) came from another model is rebuilt by running the
 * user's last steps (kept in state) through the new model.
 */
public final class PredictionOperator extends AbstractStreamOperator<ProfilePart>
        implements OneInputStreamOperator<ProfilePart, ProfilePart> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PredictionOperator.class);

    /** The control id of the next-action model: records {@code model:next-action}. */
    public static final String MODEL_ID = "next-action";

    /** Weight of the latest prediction in the streaming accuracy and log-loss. */
    static final double FEEDBACK_ALPHA = 0.001;

    private final PortraitConfig.Predict settings;

    private transient ValueState<PredictionState> state;
    private transient ListState<ModelRef> modelState;
    private transient ModelRef ref;
    private transient OnnxModel model;
    private transient String modelLabel;
    private transient LinkedHashMap<String, ArrayDeque<StreamRecord<ProfilePart>>> queues;
    private transient int queuedSteps;
    private transient ScheduledFuture<?> flushTimer;

    private transient Counter steps;
    private transient Counter batches;
    private transient Counter rebuilds;
    private transient Counter modelFailures;
    private transient Map<String, Feedback> feedback;
    private transient volatile double lastBatchMillis;
    private transient String job;
    private transient long seenChanges;

    public PredictionOperator(PortraitConfig config) {
        this.settings = config.predict();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        modelState =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>("prediction-model", ModelRef.class));
        ModelRef restored = null;
        for (ModelRef r : modelState.get()) {
            if (restored == null || r.version > restored.version) {
                restored = r;
            }
        }
        ref = restored;
    }

    private transient org.apache.flink.metrics.Histogram batchMicros;

    @Override
    public void open() throws Exception {
        super.open();
        state =
                getPartitionedState(
                        new ValueStateDescriptor<>("prediction", PredictionState.class));
        queues = new LinkedHashMap<>();
        feedback = new HashMap<>();
        MetricGroup g = getMetricGroup();
        steps = g.counter("predictionSteps");
        batches = g.counter("predictionBatches");
        rebuilds = g.counter("predictionStateRebuilds");
        modelFailures = g.counter("modelLoadFailures");
        g.gauge("predictionBatchMillis", () -> lastBatchMillis);
        // ONNX Runtime time per batch (µs), quantiles over the last 1 000 batches.
        batchMicros =
                g.histogram(
                        "inferenceMicros",
                        new org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram(1_000));
        // The version of the model in use (ModelRef.version: 0 for the configured default).
        g.gauge("modelVersion", () -> ref == null ? -1L : ref.version);
        g.gauge(
                "predictionMeanBatchSize",
                () ->
                        batches.getCount() == 0
                                ? 0.0
                                : steps.getCount() / (double) batches.getCount());
        job = getRuntimeContext().getJobInfo().getJobId().toString();
        seenChanges = ModelRegistry.changes();
        if (ref == null) {
            ModelRef published = ModelRegistry.current(job);
            ref = published != null ? published : configured();
        }
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
            ref = configured();
            use(ref, OnnxModel.acquire(ref));
        }
    }

    private ModelRef configured() {
        return new ModelRef(MODEL_ID, 0, settings.model(), null);
    }

    private void use(ModelRef newRef, OnnxModel newModel) {
        if (model != null) {
            model.release();
        }
        ref = newRef;
        model = newModel;
        modelLabel = newRef.version == 0 ? newModel.info().name() : newRef.label();
        LOG.info(
                "predictions use model {} ({}, sha256 {})",
                modelLabel,
                newRef.uri,
                newModel.sha256());
    }

    /** The label of the model in use (for tests). */
    String modelLabel() {
        return modelLabel;
    }

    /** ONNX calls made for steps, state rebuilds and model failures so far (for tests). */
    long[] counts() {
        return new long[] {batches.getCount(), rebuilds.getCount(), modelFailures.getCount()};
    }

    /** The job id this operator reads in the {@link ModelRegistry} (for tests). */
    String job() {
        return job;
    }

    // ------------------------------------------------------------------ profile parts

    @Override
    public void processElement(StreamRecord<ProfilePart> record) throws Exception {
        if (ModelRegistry.changes() != seenChanges) {
            seenChanges = ModelRegistry.changes();
            ModelRef published = ModelRegistry.current(job);
            if (published != null && !ModelRegistry.same(published, ref)) {
                swapTo(published);
            }
        }
        ProfilePart part = record.getValue();
        ArrayDeque<StreamRecord<ProfilePart>> queue = queues.get(part.userId);
        if (queue == null && part.step == null) {
            answerFromState(record);
            return;
        }
        if (queue == null) {
            queue = new ArrayDeque<>(2);
            queues.put(part.userId, queue);
        }
        queue.add(
                record.hasTimestamp()
                        ? new StreamRecord<>(part, record.getTimestamp())
                        : new StreamRecord<>(part));
        if (part.step != null) {
            queuedSteps++;
            if (queuedSteps >= settings.batchSize()) {
                flush();
            } else if (flushTimer == null) {
                long at =
                        getProcessingTimeService().getCurrentProcessingTime()
                                + settings.maxDelay().toMillis();
                flushTimer =
                        getProcessingTimeService()
                                .registerTimer(
                                        at,
                                        t -> {
                                            flushTimer = null;
                                            flush();
                                        });
            }
        }
    }

    /** A part without a step: erase, silence tick, or an event that does not feed the model. */
    private void answerFromState(StreamRecord<ProfilePart> record) throws Exception {
        ProfilePart part = record.getValue();
        if (part.core != null && part.core.erased) {
            state.clear();
        } else {
            PredictionState st = state.value();
            if (st != null && st.nextAction != null) {
                float churn =
                        part.silenceAt > 0
                                ? churnAfterSilence(
                                        st.churn, part.silenceAt - st.lastTs, model.info())
                                : st.churn;
                part.predictions =
                        new PredictionPart(st.nextAction, st.purchaseSoon, churn, st.modelVersion);
            }
        }
        output.collect(record);
    }

    /**
     * Churn risk after {@code silenceMillis} without an event: the model's probability p that the
     * next gap exceeds the horizon H, conditioned on the gap already exceeding the silence d, under
     * an exponential gap: p^(1 - d/H) for d &lt; H, and 1 from H on.
     */
    static float churnAfterSilence(float p, long silenceMillis, ModelInfo info) {
        double horizon = info.churnHorizon().toMillis();
        if (silenceMillis <= 0) {
            return p;
        }
        if (silenceMillis >= horizon) {
            return 1f;
        }
        return (float) Math.pow(Math.max(p, 1e-6), 1 - silenceMillis / horizon);
    }

    // ------------------------------------------------------------------ batching

    /** Longest run of one user's queued events that goes into one call as a sequence. */
    static final int MAX_RUN = 32;

    /** A user's run of consecutive queued steps, with the state it starts from. */
    private record Pending(
            String key, List<StreamRecord<ProfilePart>> run, PredictionState state) {}

    /**
     * Runs every queued part. Each round takes, for every user with queued parts, the parts that
     * need no step (answered at once) and then the run of consecutive steps behind them (at most
     * {@link #MAX_RUN}); the runs go to ORT as sequences, users as batch rows with their own
     * lengths. Runs of similar length share a call (padding at most doubles the work).
     */
    void flush() throws Exception {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        while (!queues.isEmpty()) {
            List<Pending> round = new ArrayList<>();
            Iterator<Map.Entry<String, ArrayDeque<StreamRecord<ProfilePart>>>> it =
                    queues.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, ArrayDeque<StreamRecord<ProfilePart>>> e = it.next();
                ArrayDeque<StreamRecord<ProfilePart>> q = e.getValue();
                setCurrentKey(e.getKey());
                while (!q.isEmpty() && q.peek().getValue().step == null) {
                    answerFromState(q.poll());
                }
                if (q.isEmpty()) {
                    it.remove();
                    continue;
                }
                List<StreamRecord<ProfilePart>> run = new ArrayList<>();
                while (!q.isEmpty() && q.peek().getValue().step != null && run.size() < MAX_RUN) {
                    run.add(q.poll());
                }
                if (q.isEmpty()) {
                    it.remove();
                }
                round.add(new Pending(e.getKey(), run, stateForStep()));
            }
            round.sort((a, b) -> Integer.compare(b.run.size(), a.run.size()));
            int from = 0;
            while (from < round.size()) {
                int longest = round.get(from).run.size();
                int to = from;
                long real = 0;
                while (to < round.size()
                        && to - from < settings.batchSize()
                        && (long) (to - from + 1) * longest
                                <= 2 * (real + round.get(to).run.size())) {
                    real += round.get(to).run.size();
                    to++;
                }
                runCall(round.subList(from, to), longest);
                from = to;
            }
        }
        queuedSteps = 0;
    }

    /** The current user's state, rebuilt under the current model if it came from another. */
    private PredictionState stateForStep() throws Exception {
        PredictionState st = state.value();
        if (st == null) {
            st = new PredictionState();
        }
        if (st.h == null || !java.util.Arrays.equals(model.digest(), st.modelDigest)) {
            rebuild(st);
        }
        return st;
    }

    private void rebuild(PredictionState st) {
        int hs = model.info().hidden();
        List<StepInput> history = st.steps();
        st.h = new float[hs];
        st.c = new float[hs];
        st.modelDigest = model.digest();
        st.modelVersion = modelLabel;
        if (history.isEmpty()) {
            return;
        }
        int f = Encoding.FEATURES;
        float[] x = new float[history.size() * f];
        StepInput prev = null;
        for (int t = 0; t < history.size(); t++) {
            Encoding.encode(history.get(t), prev, x, t * f);
            prev = history.get(t);
        }
        int last = history.size() - 1;
        OnnxModel.Output out = model.run(history.size(), 1, x, st.h, st.c);
        st.h = out.h();
        st.c = out.c();
        st.nextAction =
                java.util.Arrays.copyOfRange(
                        out.nextAction(),
                        out.actionAt(last, 0),
                        out.actionAt(last, 0) + Encoding.CLASSES);
        st.purchaseSoon = out.binary()[out.binaryAt(last, 0) + LstmNet.PURCHASE];
        st.churn = out.binary()[out.binaryAt(last, 0) + LstmNet.CHURN];
        rebuilds.inc();
    }

    /** One ORT call: each user's run as a row of a [seq, users] batch. */
    private void runCall(List<Pending> users, int seq) throws Exception {
        int n = users.size();
        int f = Encoding.FEATURES;
        int hs = model.info().hidden();
        float[] x = new float[seq * n * f];
        float[] h = new float[n * hs];
        float[] c = new float[n * hs];
        int[] lens = new int[n];
        for (int b = 0; b < n; b++) {
            Pending p = users.get(b);
            StepInput prev = p.state.last();
            for (int t = 0; t < p.run.size(); t++) {
                StepInput step = p.run.get(t).getValue().step;
                Encoding.encode(step, prev, x, (t * n + b) * f);
                prev = step;
            }
            lens[b] = p.run.size();
            System.arraycopy(p.state.h, 0, h, b * hs, hs);
            System.arraycopy(p.state.c, 0, c, b * hs, hs);
        }
        long start = System.nanoTime();
        OnnxModel.Output out = model.run(seq, n, x, h, c, lens);
        lastBatchMillis = (System.nanoTime() - start) / 1e6;
        batchMicros.update((System.nanoTime() - start) / 1_000);
        batches.inc();
        for (int b = 0; b < n; b++) {
            Pending p = users.get(b);
            PredictionState st = p.state;
            setCurrentKey(p.key);
            for (int t = 0; t < p.run.size(); t++) {
                ProfilePart part = p.run.get(t).getValue();
                score(st, part.step);
                int a = out.actionAt(t, b);
                st.nextAction =
                        java.util.Arrays.copyOfRange(out.nextAction(), a, a + Encoding.CLASSES);
                st.purchaseSoon = out.binary()[out.binaryAt(t, b) + LstmNet.PURCHASE];
                st.churn = out.binary()[out.binaryAt(t, b) + LstmNet.CHURN];
                st.lastTs = Math.max(st.lastTs, part.step.ts());
                st.remember(part.step, settings.history());
                part.predictions =
                        new PredictionPart(
                                st.nextAction, st.purchaseSoon, st.churn, st.modelVersion);
                output.collect(p.run.get(t));
            }
            steps.inc(p.run.size());
            st.h = java.util.Arrays.copyOfRange(out.h(), b * hs, (b + 1) * hs);
            st.c = java.util.Arrays.copyOfRange(out.c(), b * hs, (b + 1) * hs);
            state.update(st);
        }
    }

    /** Scores the user's previous prediction against the event that actually came. */
    private void score(PredictionState st, StepInput actual) {
        if (st.nextAction == null || actual.slot() == EventType.ERASE.slot()) {
            return;
        }
        feedback.computeIfAbsent(
                        st.modelVersion, v -> new Feedback(getMetricGroup().addGroup("model", v)))
                .observe(st.nextAction, actual.slot());
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
            double hit = Evaluation.argmax(predicted) == actual ? 1 : 0;
            double loss = -Math.log(Math.max(predicted[actual], 1e-7));
            long n = scored.getCount();
            // A plain mean until the window fills, then an exponential moving average.
            double a = Math.max(FEEDBACK_ALPHA, 1.0 / (n + 1));
            accuracy = n == 0 ? hit : accuracy + a * (hit - accuracy);
            logloss = n == 0 ? loss : logloss + a * (loss - logloss);
            scored.inc();
        }
    }

    /**
     * Finishes queued steps on the current model, then switches; a model that fails to load is
     * refused.
     */
    private void swapTo(ModelRef next) throws Exception {
        OnnxModel loaded;
        try {
            loaded = OnnxModel.acquire(next);
        } catch (Exception e) {
            modelFailures.inc();
            LOG.error("model {} rejected, keeping {}: {}", next, modelLabel, e.getMessage());
            return;
        }
        flush();
        use(next, loaded);
    }

    // ------------------------------------------------------------------ time and checkpoints

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        modelState.update(List.of(ref));
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (model != null) {
            model.release();
            model = null;
        }
        super.close();
    }
}
