package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.config.Topics;
import io.portrait.demo.Summary;
import io.portrait.replay.Replay;
import io.portrait.replay.ReplayFormat;
import io.portrait.replay.Replayer;
import io.portrait.segment.KMeans;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.ProfileSchema;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;

/**
 * Online segmentation on real data: Online Retail replayed through the job; the online model's
 * within-cluster sum of squares over the customers' final vectors is compared with batch k-means++
 * (best of 20 restarts, written here) on the same standardised vectors, k = 4.
 */
class SegmentITCase extends PortraitITCase {

    static final String DATASETS = System.getProperty("portrait.datasets", "");
    static final int RESERVOIR = 400;

    @Test
    void theOnlineModelIsWithinFivePercentOfBatchKMeans() throws Exception {
        Path file =
                DATASETS.isEmpty()
                        ? Path.of("src/test/resources/datasets/online_retail_50k.csv.gz")
                        : Path.of(DATASETS, "online-retail/online_retail.csv.gz");
        // The aggregator learns from a sample smaller than the customers (~1 040 on the default
        // slice), so the model is the online one — sampled, updated version after version — and
        // not batch k-means over every user.
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.segment.update-interval",
                                "1 s",
                                "portrait.segment.reservoir",
                                Integer.toString(RESERVOIR)));
        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-segment-it");
        ObjectMapper json = new ObjectMapper();
        try (Jedis redis = RedisConnections.open(services.redis.address(), "test", 10_000)) {
            long sent;
            try (Replay replay = Replay.open(file, ReplayFormat.ONLINE_RETAIL);
                    Replayer.Target kafka =
                            Replayer.kafka(config.kafkaBootstrap(), Topics.EVENTS)) {
                sent = Replayer.run(replay, kafka, 0, Long.MAX_VALUE, () -> false, null);
            }
            long dlqExpected = 0;
            await().atMost(Duration.ofMinutes(DATASETS.isEmpty() ? 3 : 20))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    Summary.profileTotals(services.redis.address())[
                                                                    1]
                                                            + Summary.recordsIn(
                                                                    config.kafkaBootstrap(),
                                                                    Topics.EVENTS_DLQ))
                                            .isEqualTo(sent));
            // The model settles once the input is quiet: wait until its version holds for three
            // update intervals.
            long[] seen = {-1, System.nanoTime()};
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> {
                                String doc = redis.get(RedisKeys.SEGMENTS);
                                long v =
                                        doc == null
                                                ? -1
                                                : json.readTree(doc).get("model_version").asLong();
                                if (v != seen[0]) {
                                    seen[0] = v;
                                    seen[1] = System.nanoTime();
                                }
                                return v > 0
                                        && System.nanoTime() - seen[1]
                                                > Duration.ofSeconds(3).toNanos();
                            });
            JsonNode model = json.readTree(redis.get(RedisKeys.SEGMENTS));
            assertThat(model).as("portrait:segments").isNotNull();
            double[] mean = doubles(model.get("scaler").get("mean"));
            double[] std = doubles(model.get("scaler").get("std"));
            List<double[]> online = new ArrayList<>();
            for (JsonNode seg : model.get("segments")) {
                online.add(doubles(seg.get("centroid")));
            }
            assertThat(online).hasSize(4);

            List<double[]> z = new ArrayList<>();
            int profiles = 0;
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var page =
                        redis.scan(
                                cursor,
                                new ScanParams().match(RedisKeys.PROFILE_PREFIX + "*").count(1000));
                cursor = page.getCursor();
                for (String key : page.getResult()) {
                    profiles++;
                    JsonNode doc = ProfileSchema.assertValid(redis.get(key));
                    JsonNode seg = doc.get("segment");
                    if (seg != null) {
                        double[] x = doubles(seg.get("vector"));
                        double[] v = new double[x.length];
                        for (int t = 0; t < x.length; t++) {
                            v[t] = (x[t] - mean[t]) / std[t];
                        }
                        z.add(v);
                    }
                }
            } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
            assertThat(z.size()).as("every customer's final vector").isEqualTo(profiles);

            double[][] onlineC = online.toArray(double[][]::new);
            double onlineWcss = KMeans.wcss(z, onlineC);
            double best = Double.MAX_VALUE;
            double[][] bestC = null;
            Random random = new Random(7);
            for (int restart = 0; restart < 20; restart++) {
                double[][] c = KMeans.lloyd(z, KMeans.plusPlus(z, 4, random), 300);
                double w = KMeans.wcss(z, c);
                if (w < best) {
                    best = w;
                    bestC = c;
                }
            }
            double ratio = onlineWcss / best;
            double ari = adjustedRand(z, onlineC, bestC);
            System.err.printf(
                    "segments: %d vectors of %d customers, online WCSS %.1f, batch %.1f, ratio %.4f, ARI %.3f, model version %s%n",
                    z.size(),
                    profiles,
                    onlineWcss,
                    best,
                    ratio,
                    ari,
                    model.get("model_version").asText());
            assertThat(z.size()).as("more customers than the sample").isGreaterThan(RESERVOIR);
            assertThat(model.get("model_version").asLong())
                    .as("several model versions")
                    .isGreaterThan(3);
            assertThat(ratio).isLessThanOrEqualTo(1.05);
            assertThat(ari)
                    .as("the online partition agrees with batch k-means")
                    .isGreaterThanOrEqualTo(0.9);
        } finally {
            job.cancel().get();
        }
    }

    static double[] doubles(JsonNode n) {
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    /** Adjusted Rand index between nearest-centre labels of two centroid sets. */
    static double adjustedRand(List<double[]> z, double[][] a, double[][] b) {
        int k = a.length;
        long[][] table = new long[k][b.length];
        for (double[] p : z) {
            table[KMeans.nearest(p, a)][KMeans.nearest(p, b)]++;
        }
        double index = 0;
        double rows = 0;
        double cols = 0;
        long[] colSum = new long[b.length];
        for (int i = 0; i < k; i++) {
            long rowSum = 0;
            for (int j = 0; j < b.length; j++) {
                index += choose2(table[i][j]);
                rowSum += table[i][j];
                colSum[j] += table[i][j];
            }
            rows += choose2(rowSum);
        }
        for (long c : colSum) {
            cols += choose2(c);
        }
        double expected = rows * cols / choose2(z.size());
        double max = (rows + cols) / 2;
        return (index - expected) / (max - expected);
    }

    static double choose2(long n) {
        return n * (n - 1) / 2.0;
    }
}
