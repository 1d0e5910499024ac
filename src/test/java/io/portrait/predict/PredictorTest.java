package io.portrait.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portrait.common.Wire;
import io.portrait.event.EventType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batched LSTM steps across users give exactly what one call per event gives. */
class PredictorTest {
    static final long T0 = 1_764_000_000_000L;
    static final EventType[] TYPES = {
        EventType.VIEW,
        EventType.VIEW,
        EventType.ADD_TO_CART,
        EventType.VIEW,
        EventType.PURCHASE,
        EventType.LOGIN,
        EventType.VIEW,
        EventType.SEARCH
    };

    static OnnxModel model;

    @BeforeAll
    static void load() throws Exception {
        model = OnnxModel.acquire(OnnxModel.read(ModelRef.DEFAULT_URI));
    }

    @AfterAll
    static void release() {
        model.release();
    }

    static StepInput step(int i) {
        EventType type = TYPES[i % TYPES.length];
        return new StepInput(
                type.slot(),
                type == EventType.VIEW ? 0 : 77,
                i % 3,
                T0 + i * 60_000L,
                type == EventType.PURCHASE ? 4_999 : 0,
                (i * 37) % 1440);
    }

    /** Counts what the predictor reports. */
    static final class Counts implements Predictor.Listener {
        int calls;
        int steps;
        int rebuilds;
        int scored;

        @Override
        public void batch(int users, int n, long micros) {
            calls++;
            steps += n;
        }

        @Override
        public void rebuilt() {
            rebuilds++;
        }

        @Override
        public void scored(String version, float[] predicted, int actual) {
            scored++;
        }
    }

    /** The user's outputs after each of n steps, one call per step. */
    static List<float[]> sequential(int n) {
        Predictor p = new Predictor(model, "m", 1, 12);
        PredictionState st = new PredictionState();
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.run(List.of(new Predictor.Work(st, List.of(step(i)))), new Counts());
            out.add(st.nextAction.clone());
        }
        return out;
    }

    @Test
    void manyUsersStepsShareCallsAndMatchOneCallPerEvent() {
        List<float[]> expected = sequential(40);
        Predictor p = new Predictor(model, "m", 128, 12);
        List<Predictor.Work> work = new ArrayList<>();
        for (int u = 0; u < 50; u++) {
            List<StepInput> steps = new ArrayList<>();
            for (int i = 0; i <= u % 40; i++) {
                steps.add(step(i));
            }
            work.add(new Predictor.Work(new PredictionState(), steps));
        }
        Counts c = new Counts();
        p.run(work, c);
        int total = work.stream().mapToInt(w -> w.steps().size()).sum();
        assertThat(c.steps).isEqualTo(total);
        assertThat(c.calls).as("calls shared by users").isLessThan(10);
        for (int u = 0; u < 50; u++) {
            int last = u % 40;
            assertThat(work.get(u).state().nextAction)
                    .as("user %d", u)
                    .containsExactly(expected.get(last), within(1e-5f));
            float sum = 0;
            for (float x : work.get(u).state().nextAction) {
                sum += x;
            }
            assertThat(sum).isCloseTo(1f, within(1e-4f));
        }
    }

    @Test
    void theBatchSizeBoundsEachCall() {
        Predictor p = new Predictor(model, "m", 4, 12);
        List<Predictor.Work> work = new ArrayList<>();
        for (int u = 0; u < 10; u++) {
            work.add(new Predictor.Work(new PredictionState(), List.of(step(u))));
        }
        Counts c = new Counts();
        p.run(work, c);
        assertThat(c.calls).isEqualTo(3);
    }

    @Test
    void aNewModelRebuildsTheStateFromTheKeptSteps() throws Exception {
        byte[] other = OnnxParityTest.export(OnnxParityTest.randomNet(99), "other");
        OnnxModel second = OnnxModel.acquire(other);
        try {
            // What the new model says after three steps, from scratch.
            PredictionState fresh = new PredictionState();
            new Predictor(second, "n", 8, 12)
                    .run(
                            List.of(new Predictor.Work(fresh, List.of(step(0), step(1), step(2)))),
                            new Counts());

            PredictionState st = new PredictionState();
            new Predictor(model, "m", 8, 12)
                    .run(List.of(new Predictor.Work(st, List.of(step(0), step(1)))), new Counts());
            Counts c = new Counts();
            new Predictor(second, "n", 8, 12)
                    .run(List.of(new Predictor.Work(st, List.of(step(2)))), c);
            assertThat(c.rebuilds).isEqualTo(1);
            assertThat(st.modelVersion).isEqualTo("n");
            assertThat(st.nextAction).containsExactly(fresh.nextAction, within(1e-5f));
        } finally {
            second.release();
        }
    }

    @Test
    void silenceRaisesTheChurnRisk() {
        ModelInfo info = model.info();
        long hour = 3_600_000L;
        float p = 0.2f;
        assertThat((double) Predictor.churnAfterSilence(p, 0, info)).isEqualTo(0.2f, within(0d));
        double h = info.churnHorizon().toMillis();
        assertThat((double) Predictor.churnAfterSilence(p, 12 * hour, info))
                .isCloseTo(Math.pow(p, 1 - 12 * hour / h), within(1e-5));
        assertThat(Predictor.churnAfterSilence(p, (long) h, info)).isEqualTo(1f);
    }

    @Test
    void theStateRoundTripsThroughItsCodec() {
        PredictionState st = new PredictionState();
        new Predictor(model, "m", 8, 12)
                .run(List.of(new Predictor.Work(st, List.of(step(0), step(4)))), new Counts());
        Wire.Out out = new Wire.Out(64);
        Predictor.write(st, out);
        byte[] bytes = out.toByteArray();
        PredictionState back = Predictor.read(new Wire.In(bytes));
        assertThat(back).usingRecursiveComparison().ignoringFields("modelDigest").isEqualTo(st);
        assertThat(Predictor.sameModel(model.digest(), back.modelDigest))
                .as("the model is known by a prefix of its digest")
                .isTrue();
        // Two steps kept: (h, c) 2 × 129, outputs 65 + 8 + 6, the model 9 + label 15, steps ≈ 32.
        assertThat(bytes.length).isLessThan(410);
        // The decoded state goes on exactly as the original: no rebuild, the same next outputs.
        Counts c = new Counts();
        new Predictor(model, "m", 8, 12)
                .run(List.of(new Predictor.Work(back, List.of(step(5)))), c);
        new Predictor(model, "m", 8, 12)
                .run(List.of(new Predictor.Work(st, List.of(step(5)))), new Counts());
        assertThat(c.rebuilds).isZero();
        assertThat(back.nextAction).containsExactly(st.nextAction, within(0f));
    }
}
