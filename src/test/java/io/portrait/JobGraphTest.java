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

    static JobGraph graph(PortraitConfig config, int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        PortraitJob.attach(env, config, Clock.systemUTC());
        return env.getStreamGraph().getJobGraph();
    }

    static List<String> vertices(PortraitConfig config) {
        List<String> names = new ArrayList<>();
        for (JobVertex v : graph(config, 2).getVertices()) {
            names.add(v.getName());
        }
        return names;
    }

    /**
     * A savepoint taken at parallelism 1 restores at 2: no operator ends up in a task whose maximum
     * parallelism (fixed at 1 for the centroid aggregator) is below the parallelism the same
     * operator gets at 2. (Found by scripts/fault-tests.sh: the centroid sink, chained to the
     * aggregator only at -p 1, carried its max parallelism of 1 into the savepoint.)
     */
    @Test
    void everyOperatorCanBeRescaledFromOneToTwo() {
        Map<org.apache.flink.runtime.jobgraph.OperatorID, Integer> maxAtOne =
                new java.util.HashMap<>();
        for (JobVertex v : graph(PortraitConfig.defaults(), 1).getVertices()) {
            for (var id : v.getOperatorIDs()) {
                maxAtOne.put(id.getGeneratedOperatorID(), v.getMaxParallelism());
            }
        }
        List<String> wrong = new ArrayList<>();
        for (JobVertex v : graph(PortraitConfig.defaults(), 2).getVertices()) {
            for (var id : v.getOperatorIDs()) {
                Integer max = maxAtOne.get(id.getGeneratedOperatorID());
                assertThat(max).as("operator of %s at parallelism 1", v.getName()).isNotNull();
                if (max > 0 && v.getParallelism() > max) {
                    wrong.add(
                            v.getName()
                                    + " (max "
                                    + max
                                    + " at -p 1, "
                                    + v.getParallelism()
                                    + " at -p 2)");
                }
            }
        }
        assertThat(wrong).isEmpty();
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
