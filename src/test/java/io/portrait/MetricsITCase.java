package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.FreePorts;
import io.portrait.demo.LocalFlink;
import io.portrait.demo.Summary;
import io.portrait.testing.CheckedProducer;
import io.portrait.testing.LocalServices;
import io.portrait.testing.RunCheck;
import io.portrait.testing.TestClusters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The job's metrics as Prometheus sees them: the real job on a MiniCluster configured like
 * flink-conf/ (Prometheus reporter, RocksDB native metrics) over a labelled workload with
 * duplicates, malformed records and alert scenarios; then the reporter's endpoint is scraped and
 * every metric the Grafana dashboard (k8s/grafana-dashboard.json) queries must exist, and the
 * counters must agree with what was sent.
 */
class MetricsITCase {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern METRIC = Pattern.compile("\\b(flink_[a-zA-Z0-9_]+)");
    static final Pattern NAME_SELECTOR = Pattern.compile("__name__=~\"([^\"]+)\"");

    @Test
    void everyDashboardMetricIsExportedAndCountsWhatHappened() throws Exception {
        Path work = TestClusters.workDir();
        int port = FreePorts.next();
        RunCheck.Workload workload = RunCheck.scenarioWorkload(6_000, 5);
        try (LocalServices services = LocalServices.start()) {
            PortraitConfig config = services.config(Map.of());
            EmbeddedKafka.createPortraitTopics(config, 2, (short) 1);
            try (CheckedProducer producer = CheckedProducer.bulk(config.kafkaBootstrap())) {
                for (RunCheck.Input r : workload.records()) {
                    producer.send(
                            new ProducerRecord<>(
                                    config.eventsTopic(),
                                    r.key().getBytes(StandardCharsets.UTF_8),
                                    r.value()));
                }
                producer.flush();
            }
            Configuration conf =
                    LocalFlink.configuration(work, Duration.ofSeconds(1), TestClusters.PARALLELISM);
            Configuration cluster =
                    org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(
                            "flink-conf");
            for (String key : cluster.keySet()) {
                if (key.startsWith("metrics.reporter.prom.")
                        || key.startsWith("state.backend.rocksdb.metrics.")) {
                    conf.setString(key, cluster.getString(key, null));
                }
            }
            // The MiniCluster's JobManager and TaskManager each take a port of the range.
            conf.setString("metrics.reporter.prom.port", port + "-" + (port + 4));
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            PortraitJob.attach(env, config, Clock.systemUTC());
            JobClient job = env.executeAsync("portrait-metrics");
            try {
                await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(
                                () ->
                                        Summary.profileTotals(services.redis.address())[1]
                                                == workload.validEvents());
                // Metrics are read by the reporter on scrape; counters are final once all is
                // counted.
                Map<String, Double> sums = new TreeMap<>();
                Set<String> names = new TreeSet<>();
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofSeconds(2))
                        .until(
                                () -> {
                                    scrape(port, 5, names, sums);
                                    return sums.getOrDefault(
                                                            "flink_jobmanager_job_numberOfCompletedCheckpoints",
                                                            0.0)
                                                    > 0
                                            && names.contains(
                                                    "flink_taskmanager_job_task_operator_user_rocksdb_estimate_live_data_size");
                                });

                JsonNode dashboard =
                        JSON.readTree(Files.readString(Path.of("k8s/grafana-dashboard.json")));
                Set<String> queried = new TreeSet<>();
                int selectors = 0;
                for (JsonNode expr : dashboard.findValues("expr")) {
                    String e = expr.asText();
                    // {__name__=~"…"} selectors: some exported metric must match each.
                    Matcher sel = NAME_SELECTOR.matcher(e);
                    while (sel.find()) {
                        Pattern p = Pattern.compile(sel.group(1));
                        assertThat(names).as(sel.group(1)).anyMatch(n -> p.matcher(n).matches());
                        selectors++;
                    }
                    Matcher m = METRIC.matcher(NAME_SELECTOR.matcher(e).replaceAll(""));
                    while (m.find()) {
                        queried.add(m.group(1));
                    }
                }
                assertThat(queried.size() + selectors)
                        .as("the dashboard queries metrics")
                        .isGreaterThan(20);
                assertThat(names).containsAll(queried);

                long records = workload.records().size();
                long valid = workload.validEvents();
                double dlq = sumPrefix(sums, "flink_taskmanager_job_task_operator_dlq_");
                double duplicates = sums.get("flink_taskmanager_job_task_operator_duplicates");
                assertThat(sums.get("flink_taskmanager_job_task_operator_eventsApplied"))
                        .as("events applied = distinct valid events")
                        .isEqualTo((double) valid);
                assertThat(dlq + duplicates + valid)
                        .as("dead letters + duplicates + applied = records sent")
                        .isEqualTo((double) records);
                // The workload's rejects are repeats (valid JSON) and halves of records (not).
                long malformed =
                        workload.records().stream()
                                .filter(r -> !r.valid() && !parses(r.value()))
                                .count();
                long repeats =
                        workload.records().stream().filter(r -> !r.valid()).count() - malformed;
                assertThat(malformed).as("the workload has malformed records").isPositive();
                assertThat(repeats).as("the workload has repeats").isPositive();
                assertThat(dlq)
                        .as("dead letters = malformed records")
                        .isEqualTo((double) malformed);
                assertThat(duplicates).as("duplicates = repeats").isEqualTo((double) repeats);
                assertThat(sums.get("flink_taskmanager_job_task_operator_rule_alerts"))
                        .as("alerts by rule add up to all alerts")
                        .isEqualTo(sums.get("flink_taskmanager_job_task_operator_alertsEmitted"))
                        .isPositive();
                assertThat(sums.get("flink_taskmanager_job_task_operator_predictionSteps"))
                        .isPositive();
            } finally {
                job.cancel().get();
            }
        }
    }

    static boolean parses(byte[] json) {
        try {
            JSON.readTree(json);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Sums every sample of each metric (all subtasks, all label sets) into {@code sums}. */
    static void scrape(int first, int ports, Set<String> names, Map<String, Double> sums)
            throws Exception {
        StringBuilder all = new StringBuilder();
        for (int port = first; port < first + ports; port++) {
            try {
                all.append(
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "http://localhost:"
                                                                        + port
                                                                        + "/metrics"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body());
            } catch (java.io.IOException notThere) {
                // fewer reporters than ports
            }
        }
        names.clear();
        sums.clear();
        for (String line : all.toString().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, brace > 0 ? brace : line.indexOf(' '));
            names.add(name);
            try {
                sums.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
            } catch (NumberFormatException nan) {
                // NaN gauges before their first value
            }
        }
    }

    static double sumPrefix(Map<String, Double> sums, String prefix) {
        return sums.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }
}
