package io.portrait.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portrait.config.PortraitConfig;
import io.portrait.event.EventType;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.ProfilePart;
import io.portrait.testing.Harnesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionOperatorTest {
    static final long T0 = 1_764_000_000_000L;
    static final long HOUR = 3_600_000L;

    @TempDir Path dir;

    static PortraitConfig config(int batch, String delay) {
        return PortraitConfig.defaults()
                .with(
                        Map.of(
                                "portrait.predict.batch-size",
                                Integer.toString(batch),
                                "portrait.predict.max-delay",
                                delay));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, ProfilePart, ProfilePart> harness(
            PortraitConfig config, OperatorSubtaskState restore) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new PredictionOperator(config),
                        (ProfilePart p) -> p.userId,
                        Types.STRING,
                        128,
                        1,
                        0);
        h.setStateBackend(Harnesses.rocksDb());
        h.setup();
        if (restore == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    static PredictionOperator op(
            KeyedOneInputStreamOperatorTestHarness<String, ProfilePart, ProfilePart> h) {
        return (PredictionOperator) h.getOperator();
    }

    static ProfilePart part(String user, int i, EventType type) {
        ProfilePart p = ProfilePart.core(user, new CoreFeatures());
        p.core.version = i + 1;
        p.step =
                new StepInput(
                        type.slot(),
                        type == EventType.VIEW ? 0 : 77,
                        i % 3,
                        T0 + i * 60_000L,
                        type == EventType.PURCHASE ? 4_999 : 0,
                        (i * 37) % 1440);
        return p;
    }

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

    static List<ProfilePart> values(
            KeyedOneInputStreamOperatorTestHarness<String, ProfilePart, ProfilePart> h) {
        return h.extractOutputValues();
    }

    /** Each user's outputs, step by step, with one step per call (the plain sequential answer). */
    static List<float[]> sequential(String user, int n) throws Exception {
        try (var h = harness(config(1, "1 h"), null)) {
            for (int i = 0; i < n; i++) {
                h.processElement(part(user, i, TYPES[i % TYPES.length]), T0);
            }
            return values(h).stream().map(p -> p.predictions.nextAction).toList();
        }
    }

    @Test
    void stepsOfDifferentUsersShareOneCallWhenTheBatchFills() throws Exception {
        try (var h = harness(config(4, "1 h"), null)) {
            for (int u = 0; u < 3; u++) {
                h.processElement(part("u" + u, 0, EventType.VIEW), T0);
            }
            assertThat(values(h)).as("waiting for the batch to fill").isEmpty();
            h.processElement(part("u3", 0, EventType.VIEW), T0);
            assertThat(values(h)).hasSize(4).allMatch(p -> p.predictions != null);
            assertThat(op(h).counts()[0]).as("ONNX calls").isEqualTo(1);
            ProfilePart p = values(h).get(0);
            float sum = 0;
            for (float x : p.predictions.nextAction) {
                sum += x;
            }
            assertThat(sum).isCloseTo(1f, within(1e-4f));
            assertThat(p.predictions.modelVersion).isEqualTo("next-action-v1");
        }
    }

    @Test
    void aUsersStepsRunInOrderOnePerBatchAndMatchSequentialSteps() throws Exception {
        List<float[]> expectedA = sequential("a", 5);
        List<float[]> expectedB = sequential("b", 2);
        try (var h = harness(config(64, "1 h"), null)) {
            for (int i = 0; i < 5; i++) {
                h.processElement(part("a", i, TYPES[i]), T0);
                if (i < 2) {
                    h.processElement(part("b", i, TYPES[i]), T0);
                }
            }
            assertThat(values(h)).isEmpty();
            h.processWatermark(new Watermark(T0 + 10));
            List<Object> output = new ArrayList<>(h.getOutput());
            assertThat(output.get(output.size() - 1))
                    .as("the watermark follows every part it covers")
                    .isInstanceOf(Watermark.class);
            List<ProfilePart> a = values(h).stream().filter(p -> p.userId.equals("a")).toList();
            List<ProfilePart> b = values(h).stream().filter(p -> p.userId.equals("b")).toList();
            assertThat(a).extracting(p -> p.core.version).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(op(h).counts()[0])
                    .as("one call: a's five steps and b's two run as sequences side by side")
                    .isEqualTo(1);
            for (int i = 0; i < 5; i++) {
                assertThat(a.get(i).predictions.nextAction)
                        .containsExactly(expectedA.get(i), within(1e-6f));
            }
            for (int i = 0; i < 2; i++) {
                assertThat(b.get(i).predictions.nextAction)
                        .containsExactly(expectedB.get(i), within(1e-6f));
            }
        }
    }

    @Test
    void aQuietStreamIsFlushedAfterTheMaxDelay() throws Exception {
        try (var h = harness(config(64, "20 ms"), null)) {
            h.setProcessingTime(1_000);
            h.processElement(part("u", 0, EventType.VIEW), T0);
            h.setProcessingTime(1_019);
            assertThat(values(h)).isEmpty();
            h.setProcessingTime(1_020);
            assertThat(values(h)).hasSize(1);
        }
    }

    @Test
    void aCheckpointFlushesAndARestoredTaskContinuesTheSameSequence() throws Exception {
        List<float[]> expected = sequential("u", 4);
        OperatorSubtaskState snapshot;
        try (var h = harness(config(64, "1 h"), null)) {
            h.processElement(part("u", 0, TYPES[0]), T0);
            h.processElement(part("u", 1, TYPES[1]), T0);
            assertThat(values(h)).isEmpty();
            h.prepareSnapshotPreBarrier(1); // what the task does before the barrier
            snapshot = h.snapshot(1, 1);
            assertThat(values(h)).as("flushed before the barrier").hasSize(2);
        }
        try (var h = harness(config(64, "1 h"), snapshot)) {
            h.processElement(part("u", 2, TYPES[2]), T0);
            h.processElement(part("u", 3, TYPES[3]), T0);
            h.endInput();
            op(h).finish();
            List<ProfilePart> out = values(h);
            assertThat(out).hasSize(2);
            assertThat(out.get(1).predictions.nextAction)
                    .containsExactly(expected.get(3), within(1e-6f));
        }
    }

    @Test
    void aPublishedModelTakesOverAndRebuildsEachUsersStateFromHistory() throws Exception {
        byte[] other = OnnxParityTest.export(OnnxParityTest.randomNet(99), "other");
        Path file = dir.resolve("other.onnx");
        Files.write(file, other);
        String payload =
                "{\"uri\":\"" + file.toUri() + "\",\"sha256\":\"" + OnnxModel.sha256(other) + "\"}";
        // What the new model says after the user's three events, computed from scratch.
        float[] expected;
        try (var h =
                harness(
                        config(1, "1 h").with(Map.of("portrait.predict.model", file.toString())),
                        null)) {
            for (int i = 0; i < 3; i++) {
                h.processElement(part("u", i, TYPES[i]), T0);
            }
            expected = values(h).get(2).predictions.nextAction;
        }
        try (var h = harness(config(1, "1 h"), null)) {
            h.processElement(part("u", 0, TYPES[0]), T0);
            h.processElement(part("u", 1, TYPES[1]), T0);
            String job = op(h).job();
            // A wrong digest is refused and the current model stays.
            ModelRegistry.publish(
                    job, new ModelRef("next-action", 1, file.toUri().toString(), "0".repeat(64)));
            h.processElement(ProfilePart.core("u", new CoreFeatures()), T0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action-v1");
            assertThat(op(h).counts()[2]).as("load failures").isEqualTo(1);

            ModelRegistry.publish(job, ModelRef.fromPayload("next-action", 2, payload));
            h.processElement(part("u", 2, TYPES[2]), T0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action@2");
            ProfilePart third = values(h).get(3);
            assertThat(third.predictions.modelVersion).isEqualTo("next-action@2");
            assertThat(op(h).counts()[1]).as("state rebuilds").isEqualTo(1);
            assertThat(third.predictions.nextAction).containsExactly(expected, within(1e-5f));

            // The same reference again changes nothing; the configured one comes back.
            ModelRegistry.publish(job, ModelRef.fromPayload("next-action", 2, payload));
            h.processElement(part("u", 3, TYPES[3]), T0);
            assertThat(op(h).counts()[1]).as("no second rebuild").isEqualTo(1);
            ModelRegistry.publish(job, new ModelRef("next-action", 0, ModelRef.DEFAULT_URI, null));
            h.processElement(part("u", 4, TYPES[4]), T0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action-v1");
            assertThat(values(h).get(5).predictions.modelVersion).isEqualTo("next-action-v1");
            ModelRegistry.forget(job);
        }
    }

    @Test
    void silenceRaisesChurnRiskAndEraseForgetsTheUser() throws Exception {
        try (var h = harness(config(1, "1 h"), null)) {
            h.processElement(part("u", 0, EventType.VIEW), T0);
            float p = values(h).get(0).predictions.churnRisk;
            ProfilePart quiet = ProfilePart.core("u", new CoreFeatures());
            quiet.silenceAt = T0 + 12 * HOUR;
            quiet.silenceTick = 2;
            h.processElement(quiet, T0);
            float after12h = values(h).get(1).predictions.churnRisk;
            assertThat((double) after12h).isCloseTo(Math.pow(p, 0.5), within(1e-5));
            assertThat(after12h).isGreaterThan(p);
            ProfilePart day = ProfilePart.core("u", new CoreFeatures());
            day.silenceAt = T0 + 25 * HOUR;
            h.processElement(day, T0);
            assertThat(values(h).get(2).predictions.churnRisk).isEqualTo(1f);

            ProfilePart erase = ProfilePart.core("u", new CoreFeatures());
            erase.core.erased = true;
            h.processElement(erase, T0);
            assertThat(Harnesses.keysWithState(h, "prediction")).isZero();
        }
    }
}
