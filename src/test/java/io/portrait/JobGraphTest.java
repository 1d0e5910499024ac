package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The shape of the job's task graph: which stages share a task (no network hop per event). */
class JobGraphTest {

    static List<String> vertices(PortraitConfig config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobGraph graph = env.getStreamGraph().getJobGraph();
        List<String> names = new ArrayList<>();
        for (JobVertex v : graph.getVertices()) {
            names.add(v.getName());
        }
        return names;
    }

    @Test
    void predictionRunsInTheProfileCoresTask() {
        List<String> names = vertices(PortraitConfig.defaults());
        assertThat(names)
                .as("%s", names)
                .anySatisfy(
                        n ->
                                assertThat(n)
                                        .contains("Profile core")
                                        .contains("Predict (LSTM, ONNX Runtime)"));
        assertThat(names).anySatisfy(n -> assertThat(n).contains("Model control"));
    }

    @Test
    void withoutPredictionsNeitherOperatorIsThere() {
        List<String> names =
                vertices(
                        PortraitConfig.defaults()
                                .with(Map.of("portrait.predict.enabled", "false")));
        assertThat(String.join("|", names))
                .doesNotContain("Predict")
                .doesNotContain("Model control");
    }
}
