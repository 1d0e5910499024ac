package io.portrait.predict;

import io.portrait.common.Wire;
import io.portrait.event.EventType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the next-action LSTM for many users at once: each user's queued steps (those of one flush)
 * become a sequence, users become batch rows of one ONNX Runtime call (at most {@code batchSize}
 * rows, runs of similar length together so padding at most doubles the work). A user whose (h, c)
 * came from another model is rebuilt first from the steps kept in its state. Predictions are the
 * same as one call per event: the model runs every step, only the calls are shared. Plain Java: the
 * user operator calls it at flush.
 */
public final class Predictor {

    /** Longest run of one user's steps that goes into one call as a sequence. */
    static final int MAX_RUN = 32;

    /** What the predictor reports (metrics of the caller). */
    public interface Listener {
        /** One ONNX call of {@code steps} steps for {@code users} users took {@code micros}. */
        void batch(int users, int steps, long micros);

        void rebuilt();

        /** The user's previous prediction met the event type that actually came. */
        void scored(String modelVersion, float[] predicted, int actualSlot);
    }

    /** One user's work: its state and its queued steps, oldest first. */
    public record Work(PredictionState state, List<StepInput> steps) {}

    private final OnnxModel model;
    private final String label;
    private final int batchSize;
    private final int history;

    /**
     * @param label the model version written into profiles
     * @param history steps kept per user to rebuild (h, c) under a new model
     */
    public Predictor(OnnxModel model, String label, int batchSize, int history) {
        this.model = model;
        this.label = label;
        this.batchSize = Math.max(1, batchSize);
        this.history = history;
    }

    public OnnxModel model() {
        return model;
    }

    public String label() {
        return label;
    }

    /** Runs every user's steps; each state ends as if its steps had run one call each. */
    public void run(List<Work> work, Listener listener) {
        List<Work> pending = new ArrayList<>();
        for (Work w : work) {
            if (!w.steps().isEmpty()) {
                ready(w.state(), listener);
                pending.add(w);
            }
        }
        int[] offset = new int[pending.size()];
        while (!pending.isEmpty()) {
            // One round: the next run (≤ MAX_RUN steps) of every user, longest first.
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                order.add(i);
            }
            int[] runLen = new int[pending.size()];
            for (int i = 0; i < pending.size(); i++) {
                runLen[i] = Math.min(MAX_RUN, pending.get(i).steps().size() - offset[i]);
            }
            order.sort((a, b) -> Integer.compare(runLen[b], runLen[a]));
            int from = 0;
            while (from < order.size()) {
                int longest = runLen[order.get(from)];
                int to = from;
                long real = 0;
                while (to < order.size()
                        && to - from < batchSize
                        && (long) (to - from + 1) * longest <= 2 * (real + runLen[order.get(to)])) {
                    real += runLen[order.get(to)];
                    to++;
                }
                List<Integer> rows = order.subList(from, to);
                call(pending, offset, runLen, rows, longest, listener);
                from = to;
            }
            List<Work> next = new ArrayList<>();
            List<Integer> nextOffsets = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                offset[i] += runLen[i];
                if (offset[i] < pending.get(i).steps().size()) {
                    next.add(pending.get(i));
                    nextOffsets.add(offset[i]);
                }
            }
            pending = next;
            offset = nextOffsets.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** Makes sure the state's (h, c) belongs to this model. */
    private void ready(PredictionState st, Listener listener) {
        if (st.h != null && sameModel(model.digest(), st.modelDigest)) {
            return;
        }
        int hs = model.info().hidden();
        List<StepInput> kept = st.steps();
        st.h = new float[hs];
        st.c = new float[hs];
        st.modelDigest = model.digest();
        st.modelVersion = label;
        if (kept.isEmpty()) {
            return;
        }
        int f = Encoding.FEATURES;
        float[] x = new float[kept.size() * f];
        StepInput prev = null;
        for (int t = 0; t < kept.size(); t++) {
            Encoding.encode(kept.get(t), prev, x, t * f);
            prev = kept.get(t);
        }
        int last = kept.size() - 1;
        OnnxModel.Output out = model.run(kept.size(), 1, x, st.h, st.c);
        st.h = out.h();
        st.c = out.c();
        st.nextAction =
                Arrays.copyOfRange(
                        out.nextAction(),
                        out.actionAt(last, 0),
                        out.actionAt(last, 0) + Encoding.CLASSES);
        st.purchaseSoon = out.binary()[out.binaryAt(last, 0) + LstmNet.PURCHASE];
        st.churn = out.binary()[out.binaryAt(last, 0) + LstmNet.CHURN];
        listener.rebuilt();
    }

    private void call(
            List<Work> pending,
            int[] offset,
            int[] runLen,
            List<Integer> rows,
            int seq,
            Listener listener) {
        int n = rows.size();
        int f = Encoding.FEATURES;
        int hs = model.info().hidden();
        float[] x = new float[seq * n * f];
        float[] h = new float[n * hs];
        float[] c = new float[n * hs];
        int[] lens = new int[n];
        int steps = 0;
        for (int b = 0; b < n; b++) {
            int i = rows.get(b);
            Work w = pending.get(i);
            StepInput prev = w.state().last();
            for (int t = 0; t < runLen[i]; t++) {
                StepInput step = w.steps().get(offset[i] + t);
                Encoding.encode(step, prev, x, (t * n + b) * f);
                prev = step;
            }
            lens[b] = runLen[i];
            steps += runLen[i];
            System.arraycopy(w.state().h, 0, h, b * hs, hs);
            System.arraycopy(w.state().c, 0, c, b * hs, hs);
        }
        long start = System.nanoTime();
        OnnxModel.Output out = model.run(seq, n, x, h, c, lens);
        listener.batch(n, steps, (System.nanoTime() - start) / 1_000);
        for (int b = 0; b < n; b++) {
            int i = rows.get(b);
            Work w = pending.get(i);
            PredictionState st = w.state();
            for (int t = 0; t < runLen[i]; t++) {
                StepInput step = w.steps().get(offset[i] + t);
                if (st.nextAction != null && step.slot() != EventType.ERASE.slot()) {
                    listener.scored(st.modelVersion, st.nextAction, step.slot());
                }
                int a = out.actionAt(t, b);
                st.nextAction = Arrays.copyOfRange(out.nextAction(), a, a + Encoding.CLASSES);
                st.purchaseSoon = out.binary()[out.binaryAt(t, b) + LstmNet.PURCHASE];
                st.churn = out.binary()[out.binaryAt(t, b) + LstmNet.CHURN];
                st.lastTs = Math.max(st.lastTs, step.ts());
                st.remember(step, history);
            }
            st.h = Arrays.copyOfRange(out.h(), b * hs, (b + 1) * hs);
            st.c = Arrays.copyOfRange(out.c(), b * hs, (b + 1) * hs);
        }
    }

    /**
     * Churn risk after {@code silenceMillis} without an event: the model's probability p that the
     * next gap exceeds the horizon H, conditioned on the gap already exceeding the silence d, under
     * an exponential gap: p^(1 - d/H) for d &lt; H, and 1 from H on.
     */
    public static float churnAfterSilence(float p, long silenceMillis, ModelInfo info) {
        double horizon = info.churnHorizon().toMillis();
        if (silenceMillis <= 0) {
            return p;
        }
        if (silenceMillis >= horizon) {
            return 1f;
        }
        return (float) Math.pow(Math.max(p, 1e-6), 1 - silenceMillis / horizon);
    }

    /** Bytes of the model's sha256 kept per user to tell which model its (h, c) came from. */
    static final int DIGEST_PREFIX = 8;

    /** Whether the state's (h, c) came from the model with this digest (a 64-bit prefix). */
    static boolean sameModel(byte[] digest, byte[] stored) {
        return stored != null
                && stored.length >= DIGEST_PREFIX
                && digest.length >= DIGEST_PREFIX
                && Arrays.equals(digest, 0, DIGEST_PREFIX, stored, 0, DIGEST_PREFIX);
    }

    /**
     * The state's binary form inside the user state value: (h, c) and the latest outputs as floats,
     * the model by a 64-bit prefix of its sha256, the kept steps compactly (times as deltas,
     * amounts and minutes as varints: about 16 bytes a step instead of 27).
     */
    public static void write(PredictionState s, Wire.Out out) {
        out.floats(s.h).floats(s.c);
        boolean digest = s.modelDigest != null && s.modelDigest.length >= DIGEST_PREFIX;
        out.bool(digest);
        if (digest) {
            out.raw(Arrays.copyOf(s.modelDigest, DIGEST_PREFIX));
        }
        out.str(s.modelVersion);
        out.floats(s.nextAction).f32(s.purchaseSoon).f32(s.churn).svar(s.lastTs);
        List<StepInput> steps = s.steps();
        out.uvar(steps.size());
        long prev = 0;
        for (StepInput st : steps) {
            out.byte1(st.slot())
                    .fixed64(((long) st.categoryHash() << 32) | (st.itemHash() & 0xFFFFFFFFL));
            out.svar(st.ts() - prev).uvar(Math.max(0, st.amountMinor())).uvar(st.minuteOfDay());
            prev = st.ts();
        }
    }

    public static PredictionState read(Wire.In in) {
        PredictionState s = new PredictionState();
        s.h = in.floats();
        s.c = in.floats();
        if (in.bool()) {
            s.modelDigest = new byte[DIGEST_PREFIX];
            for (int i = 0; i < DIGEST_PREFIX; i++) {
                s.modelDigest[i] = (byte) in.byte1();
            }
        }
        s.modelVersion = in.str();
        s.nextAction = in.floats();
        s.purchaseSoon = in.f32();
        s.churn = in.f32();
        s.lastTs = in.svar();
        int n = in.uvarInt();
        long prev = 0;
        for (int i = 0; i < n; i++) {
            int slot = in.byte1();
            long hashes = in.fixed64();
            long ts = prev + in.svar();
            long amount = in.uvar();
            int minute = in.uvarInt();
            s.remember(
                    new StepInput(slot, (int) (hashes >>> 32), (int) hashes, ts, amount, minute),
                    n);
            prev = ts;
        }
        return s;
    }
}
