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
     * The task graphs at parallelism 1 and 2 agree on every operator's maximum parallelism, the
     * condition for a savepoint taken at 1 to restore at 2: no operator ends up in a task whose
     * maximum parallelism (fixed at 1 for the centroid aggregator) is below the parallelism the
     * same operator gets at 2. This compares graphs; the restore itself runs in
     * scripts/fault-tests.sh (which found the bug: the centroid sink, chained to the aggregator
     * only at -p 1, carried its max parallelism of 1 into the savepoint).
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

    /**
     * Everything per user happens in one task: the user operator, CEP behind it, the sinks of its
     * documents, alerts and changes — no network hop for any of them. (CEP's rare matches leave for
     * the loop topic from a task of their own: the union of two patterns does not chain.)
     */
    @Test
    void theUserOperatorsConsumersShareItsTask() {
        List<String> names = vertices(PortraitConfig.defaults());
        assertThat(names)
                .as("%s", names)
                .anySatisfy(
                        n ->
                                assertThat(n)
                                        .startsWith("User operator")
                                        .contains("Redis profiles: Writer")
                                        .contains("CEP account_takeover")
                                        .contains("CEP refund_abuse")
                                        .contains("Kafka alerts: Writer")
                                        .contains("Redis recent alerts: Writer")
                                        .contains("Kafka changes: Writer"));
        assertThat(String.join("|", names))
                .as("%s", names)
                .doesNotContain("Profile core")
                .doesNotContain("De-duplicate")
                .doesNotContain("Profile assembler");
    }

    @Test
    void switchedOffStagesAreNotInTheGraph() {
        List<String> names =
                vertices(
                        PortraitConfig.defaults()
                                .with(
                                        Map.of(
                                                "portrait.anomaly.enabled", "false",
                                                "portrait.recommend.enabled", "false",
                                                "portrait.segment.enabled", "false")));
        assertThat(String.join("|", names))
                .as("%s", names)
                .contains("User operator")
                .doesNotContain("CEP")
                .doesNotContain("Kafka CEP alerts")
                .doesNotContain("Recommender")
                .doesNotContain("Centroid aggregator");
    }
}
