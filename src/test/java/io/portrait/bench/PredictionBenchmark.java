package io.portrait.bench;

import io.portrait.predict.Encoding;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
import io.portrait.predict.PredictionState;
import io.portrait.predict.StepInput;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one event's prediction, for a batch of {@code batch} users' events per ONNX call:
 *
 * <ul>
 *   <li>{@code incremental}: what the job does — read each user's state (serialized, as from
 *       RocksDB), encode the event, one ORT step with the carried (h, c) for the whole batch, write
 *       the new state back;
 *   <li>{@code window}: re-running the user's last 20 events from zeros at every event (the seed's
 *       approach), with the same state reads and writes of the event history.
 * </ul>
 *
 * Scores are per call; divide by {@code batch} for the cost per event (BENCHMARKS.md does).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xms1g", "-Xmx1g"})
public class PredictionBenchmark {
    static final int WINDOW = 20;

    /** The job's kept history (portrait.predict.history) for the incremental path. */
    static final int HISTORY = io.portrait.config.PortraitConfig.defaults().predict().history();

    @Param({"1", "8", "32", "128"})
    int batch;

    OnnxModel model;

    /** Each user's state as the job stores it (history of {@link #HISTORY} steps). */
    byte[][] stored;

    /** Each user's state for the window approach (the last {@link #WINDOW} events). */
    byte[][] storedWindow;

    StepInput[] next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        model = OnnxModel.acquire(OnnxModel.read(ModelRef.DEFAULT_URI));
        SplittableRandom r = new SplittableRandom(1);
        int hs = model.info().hidden();
        stored = new byte[batch][];
        storedWindow = new byte[batch][];
        next = new StepInput[batch];
        for (int u = 0; u < batch; u++) {
            PredictionState st = new PredictionState();
            st.h = new float[hs];
            st.c = new float[hs];
            st.modelDigest = model.digest();
            st.modelVersion = "bench";
            st.nextAction = new float[Encoding.CLASSES];
            long ts = 1_764_000_000_000L;
            for (int i = 0; i < WINDOW; i++) {
                ts += r.nextInt(1, 600_000);
                st.remember(step(r, ts), WINDOW);
            }
            st.lastTs = ts;
            storedWindow[u] = write(st);
            PredictionState job = read(storedWindow[u]);
            job.history = null;
            for (StepInput step : st.steps().subList(WINDOW - HISTORY, WINDOW)) {
                job.remember(step, HISTORY);
            }
            stored[u] = write(job);
            next[u] = step(r, ts + 30_000);
        }
    }

    static StepInput step(SplittableRandom r, long ts) {
        return new StepInput(
                r.nextInt(0, 6),
                r.nextInt(1, 50),
                r.nextInt(1, 500),
                ts,
                r.nextInt(0, 3) == 0 ? r.nextLong(100, 20_000) : 0,
                r.nextInt(0, 1440));
    }

    /** The state as the user state value holds it. */
    static byte[] write(PredictionState st) {
        io.portrait.common.Wire.Out out = new io.portrait.common.Wire.Out(1024);
        io.portrait.predict.Predictor.write(st, out);
        return out.toByteArray();
    }

    static PredictionState read(byte[] bytes) {
        return io.portrait.predict.Predictor.read(new io.portrait.common.Wire.In(bytes));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.release();
    }

    @Benchmark
    public float incremental() throws Exception {
        int f = Encoding.FEATURES;
        int hs = model.info().hidden();
        PredictionState[] states = new PredictionState[batch];
        float[] x = new float[batch * f];
        float[] h = new float[batch * hs];
        float[] c = new float[batch * hs];
        for (int u = 0; u < batch; u++) {
            PredictionState st = read(stored[u]);
            states[u] = st;
            Encoding.encode(next[u], st.last(), x, u * f);
            System.arraycopy(st.h, 0, h, u * hs, hs);
            System.arraycopy(st.c, 0, c, u * hs, hs);
        }
        OnnxModel.Output o = model.run(1, batch, x, h, c);
        for (int u = 0; u < batch; u++) {
            PredictionState st = states[u];
            st.h = java.util.Arrays.copyOfRange(o.h(), u * hs, (u + 1) * hs);
            st.c = java.util.Arrays.copyOfRange(o.c(), u * hs, (u + 1) * hs);
            st.nextAction = java.util.Arrays.copyOfRange(o.nextAction(), u * 16, (u + 1) * 16);
            st.remember(next[u], HISTORY);
            write(st); // what RocksDB would store; the benchmark keeps the input unchanged
        }
        return o.nextAction()[0];
    }

    /** Breakdown: the state read, encode and write of {@link #incremental}, without ORT. */
    @Benchmark
    public int stateOnly() throws Exception {
        int f = Encoding.FEATURES;
        float[] x = new float[batch * f];
        int n = 0;
        for (int u = 0; u < batch; u++) {
            PredictionState st = read(stored[u]);
            Encoding.encode(next[u], st.last(), x, u * f);
            st.remember(next[u], HISTORY);
            n += write(st).length;
        }
        return n;
    }

    /** Breakdown: the ORT call of {@link #incremental} alone. */
    @Benchmark
    public float stepOnly() {
        int f = Encoding.FEATURES;
        int hs = model.info().hidden();
        return model.run(
                        1,
                        batch,
                        new float[batch * f],
                        new float[batch * hs],
                        new float[batch * hs])
                .nextAction()[0];
    }

    @Benchmark
    public float window() throws Exception {
        int f = Encoding.FEATURES;
        int hs = model.info().hidden();
        float[] x = new float[WINDOW * batch * f];
        PredictionState[] states = new PredictionState[batch];
        for (int u = 0; u < batch; u++) {
            PredictionState st = read(storedWindow[u]);
            states[u] = st;
            java.util.List<StepInput> steps = st.steps();
            steps.remove(0);
            steps.add(next[u]);
            StepInput prev = null;
            for (int t = 0; t < WINDOW; t++) {
                Encoding.encode(steps.get(t), prev, x, (t * batch + u) * f);
                prev = steps.get(t);
            }
        }
        OnnxModel.Output o =
                model.run(WINDOW, batch, x, new float[batch * hs], new float[batch * hs]);
        for (int u = 0; u < batch; u++) {
            PredictionState st = states[u];
            st.nextAction = java.util.Arrays.copyOfRange(o.nextAction(), u * 16, (u + 1) * 16);
            st.remember(next[u], WINDOW);
            write(st);
        }
        return o.nextAction()[0];
    }
}
