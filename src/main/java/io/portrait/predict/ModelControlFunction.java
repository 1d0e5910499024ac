package io.portrait.predict;

import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Reads {@code model} records of the broadcast control stream and publishes the model each
 * prediction operator of this job should use ({@link ModelRegistry}). A record with a version not
 * above the current one is ignored (the compacted topic is re-read after a restore); a tombstone
 * returns to {@code portrait.predict.model}. The current reference is operator state, published
 * again on restore. Emits nothing.
 */
public final class ModelControlFunction extends ProcessFunction<ControlMessage, String>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final String configuredModel;
    private transient ListState<ModelRef> saved;
    private transient ModelRef current;
    private transient String job;

    public ModelControlFunction(PortraitConfig config) {
        this.configuredModel = config.predict().model();
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        saved =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>("published-model", ModelRef.class));
        for (ModelRef r : saved.get()) {
            if (current == null || r.version > current.version) {
                current = r;
            }
        }
    }

    @Override
    public void open(OpenContext openContext) {
        job = getRuntimeContext().getJobInfo().getJobId().toString();
        if (current != null) {
            ModelRegistry.publish(job, current);
        }
    }

    @Override
    public void processElement(ControlMessage m, Context ctx, Collector<String> out) {
        if (!"model".equals(m.kind()) || !PredictionOperator.MODEL_ID.equals(m.id())) {
            return;
        }
        ModelRef next;
        if (m.deleted()) {
            next = new ModelRef(PredictionOperator.MODEL_ID, 0, configuredModel, null);
        } else {
            next = ModelRef.fromPayload(m.id(), m.version(), m.payload());
            if (current != null && current.version >= next.version) {
                return;
            }
        }
        current = next;
        ModelRegistry.publish(job, next);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        saved.update(current == null ? List.of() : List.of(current));
    }

    @Override
    public void close() {
        if (job != null) {
            ModelRegistry.forget(job);
        }
    }
}
