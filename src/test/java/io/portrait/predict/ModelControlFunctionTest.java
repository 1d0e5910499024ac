package io.portrait.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Model records on the control stream become the job's published model, across restores. */
class ModelControlFunctionTest {
    static final String SHA = "ab".repeat(32);

    static OneInputStreamOperatorTestHarness<ControlMessage, String> harness(
            ModelControlFunction fn, OperatorSubtaskState restore) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(fn));
        h.setup();
        if (restore == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    static ControlMessage model(long version) {
        return new ControlMessage(
                "model",
                "next-action",
                version,
                0,
                "{\"uri\":\"file:/models/m" + version + ".onnx\",\"sha256\":\"" + SHA + "\"}",
                false);
    }

    static String job(OneInputStreamOperatorTestHarness<ControlMessage, String> h) {
        return h.getEnvironment().getJobID().toString();
    }

    @Test
    void newerRecordsArePublishedOlderOnesIgnoredAndATombstoneRestoresTheConfiguredModel()
            throws Exception {
        PortraitConfig config = PortraitConfig.defaults();
        OperatorSubtaskState snapshot;
        String job;
        try (var h = harness(new ModelControlFunction(config), null)) {
            job = job(h);
            assertThat(ModelRegistry.current(job)).isNull();
            h.processElement(model(3), 0);
            h.processElement(model(2), 0); // older: ignored
            h.processElement(
                    new ControlMessage("centroids", "segments", 9, 0, "{}", false), 0); // not ours
            assertThat(ModelRegistry.current(job).version).isEqualTo(3);
            assertThat(ModelRegistry.current(job).uri).isEqualTo("file:/models/m3.onnx");
            assertThat(h.extractOutputValues()).isEmpty();
            snapshot = h.snapshot(1, 1);
        }
        assertThat(ModelRegistry.current(job)).as("forgotten when the function closes").isNull();
        try (var h = harness(new ModelControlFunction(config), snapshot)) {
            assertThat(ModelRegistry.current(job(h)).version)
                    .as("published again on restore")
                    .isEqualTo(3);
            h.processElement(new ControlMessage("model", "next-action", 0, 0, null, true), 0);
            ModelRef back = ModelRegistry.current(job(h));
            assertThat(back.version).isZero();
            assertThat(back.uri).isEqualTo(config.predict().model());
        }
    }
}
