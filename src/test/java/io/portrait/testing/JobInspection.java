package io.portrait.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;

/**
 * What a failure test needs to prove the failure happened: whether a job's tasks ran again (their
 * attempt numbers) and its metrics (through the MiniCluster's REST API, as a dashboard reads them).
 */
public final class JobInspection {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private JobInspection() {}

    /** The highest attempt number of any task of the job: 0 while no task was ever restarted. */
    public static int maxAttempt(MiniCluster cluster, JobID job) throws Exception {
        int max = 0;
        for (AccessExecutionVertex v :
                cluster.getExecutionGraph(job).get().getAllExecutionVertices()) {
            max = Math.max(max, v.getCurrentExecutionAttempt().getAttemptNumber());
        }
        return max;
    }

    /**
     * The sum over every subtask of the job's metrics named {@code name} (operator scope: the
     * metric id ends with ".name"). The REST API caches metrics for a few seconds: poll.
     */
    public static long metricSum(MiniCluster cluster, JobID job, String name) throws Exception {
        String base = cluster.getRestAddress().get().toString() + "/jobs/" + job;
        long sum = 0;
        for (JsonNode vertex : get(base).path("vertices")) {
            String subtasks =
                    base + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            List<String> ids = new ArrayList<>();
            for (JsonNode m : get(subtasks)) {
                String id = m.path("id").asText();
                if (id.equals(name) || id.endsWith("." + name)) {
                    ids.add(id);
                }
            }
            if (!ids.isEmpty()) {
                for (JsonNode m : get(subtasks + "?agg=sum&get=" + String.join(",", ids))) {
                    sum += (long) m.path("sum").asDouble();
                }
            }
        }
        return sum;
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
