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
import io.portrait.sink.RedisConnections;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.ProfileSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Real data through the real job. The datasets are replayed with {@code portrait replay}'s code
 * into Kafka; the job runs on a MiniCluster; every customer's profile in Redis is compared with a
 * batch computation of the same definitions written here independently (its own CSV reader, its own
 * mapping, plain BigDecimal sums) — money to the penny.
 *
 * <p>The default build uses slices shipped in src/test/resources/datasets; {@code -Pfull-data} sets
 * {@code portrait.datasets} to ../shared/datasets and replays the whole files.
 */
class RealDataITCase extends PortraitITCase {

    static final String DATASETS = System.getProperty("portrait.datasets", "");
    static final ObjectMapper JSON = new ObjectMapper();

    static Path dataset(String fullName, String slice) {
        return DATASETS.isEmpty()
                ? Path.of("src/test/resources/datasets", slice)
                : Path.of(DATASETS, fullName);
    }

    /** Per-customer expectations, computed without any code of the job. */
    static final class Expected {
        long total;
        final Set<String> orders = new HashSet<>();
        BigDecimal purchase = BigDecimal.ZERO;
        BigDecimal refund = BigDecimal.ZERO;
        Instant lastPurchase;
        final Map<String, Long> typeCounts = new TreeMap<>();
    }

    @Test
    void onlineRetailMatchesABatchComputationForEveryCustomer() throws Exception {
        Path file = dataset("online-retail/online_retail.csv.gz", "online_retail_50k.csv.gz");
        Map<String, Expected> expected = new HashMap<>();
        Map<String, Long> expectedDlq = new TreeMap<>();
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
        ZoneId london = ZoneId.of("Europe/London");
        for (List<String> row : csv(file)) {
            String invoice = row.get(0);
            long quantity = Long.parseLong(row.get(3));
            BigDecimal price = new BigDecimal(row.get(5));
            String customer = row.get(6);
            boolean refund = invoice.startsWith("C");
            long q = refund ? -quantity : quantity;
            if (customer.isEmpty()) {
                expectedDlq.merge("missing_user", 1L, Long::sum);
            } else if (q <= 0) {
                expectedDlq.merge("invalid_quantity", 1L, Long::sum);
            } else if (price.signum() < 0) {
                expectedDlq.merge("negative_amount", 1L, Long::sum);
            } else {
                // Definition: a line's amount is rounded half-even to the penny, then summed.
                BigDecimal amount =
                        price.multiply(BigDecimal.valueOf(q)).setScale(2, RoundingMode.HALF_EVEN);
                Expected e =
                        expected.computeIfAbsent(customer.replace(".0", ""), k -> new Expected());
                e.total++;
                Instant ts = LocalDateTime.parse(row.get(4), fmt).atZone(london).toInstant();
                if (refund) {
                    e.refund = e.refund.add(amount);
                } else {
                    e.purchase = e.purchase.add(amount);
                    e.orders.add(invoice);
                    e.lastPurchase =
                            e.lastPurchase == null || ts.isAfter(e.lastPurchase)
                                    ? ts
                                    : e.lastPurchase;
                }
            }
        }
        long valid = expected.values().stream().mapToLong(e -> e.total).sum();
        long invalid = expectedDlq.values().stream().mapToLong(Long::longValue).sum();

        PortraitConfig config =
                replayThroughTheJob(file, ReplayFormat.ONLINE_RETAIL, valid, invalid);

        assertThat(dlqReasons(config)).isEqualTo(expectedDlq);
        List<String> mismatches = new ArrayList<>();
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 10_000)) {
            assertThat(Summary.profileTotals(services.redis.address())[0])
                    .isEqualTo(expected.size());
            for (var entry : expected.entrySet()) {
                Expected e = entry.getValue();
                JsonNode doc = ProfileSchema.assertValid(j.get(RedisKeys.profile(entry.getKey())));
                JsonNode rfm = doc.get("rfm");
                String actual =
                        doc.get("counts").get("total").asLong()
                                + " "
                                + rfm.get("orders").asLong()
                                + " "
                                + rfm.get("purchase_amount").decimalValue().setScale(2)
                                + " "
                                + rfm.get("refund_amount").decimalValue().setScale(2)
                                + " "
                                + rfm.get("last_purchase_at").asText("null");
                String wanted =
                        e.total
                                + " "
                                + e.orders.size()
                                + " "
                                + e.purchase.setScale(2)
                                + " "
                                + e.refund.setScale(2)
                                + " "
                                + (e.lastPurchase == null ? "null" : e.lastPurchase.toString());
                if (!actual.equals(wanted)) {
                    mismatches.add(entry.getKey() + ": job=" + actual + " batch=" + wanted);
                }
            }
        }
        assertThat(mismatches)
                .as("customers whose profile differs from the batch computation")
                .isEmpty();
    }

    @Test
    void taobaoCountsMatchABatchComputationForEveryUser() throws Exception {
        Path file = dataset("taobao/taobao_userbehavior.csv.gz", "taobao_20k.csv.gz");
        Map<String, Expected> expected = new HashMap<>();
        Map<String, String> types =
                Map.of("pv", "view", "cart", "add_to_cart", "fav", "like", "buy", "purchase");
        for (List<String> row : csv(file)) {
            Expected e = expected.computeIfAbsent(row.get(0), k -> new Expected());
            e.total++;
            e.typeCounts.merge(types.get(row.get(3)), 1L, Long::sum);
        }
        long valid = expected.values().stream().mapToLong(e -> e.total).sum();

        replayThroughTheJob(file, ReplayFormat.TAOBAO, valid, 0);

        List<String> mismatches = new ArrayList<>();
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 10_000)) {
            for (var entry : expected.entrySet()) {
                JsonNode counts =
                        ProfileSchema.assertValid(j.get(RedisKeys.profile(entry.getKey())))
                                .get("counts");
                Map<String, Long> actual = new TreeMap<>();
                for (String t : List.of("view", "add_to_cart", "like", "purchase")) {
                    if (counts.has(t)) {
                        actual.put(t, counts.get(t).asLong());
                    }
                }
                if (!actual.equals(entry.getValue().typeCounts)
                        || counts.get("total").asLong() != entry.getValue().total) {
                    mismatches.add(
                            entry.getKey()
                                    + ": job="
                                    + counts
                                    + " batch="
                                    + entry.getValue().typeCounts);
                }
            }
        }
        assertThat(mismatches).isEmpty();
    }

    PortraitConfig replayThroughTheJob(Path file, ReplayFormat format, long valid, long invalid)
            throws Exception {
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 10_000)) {
            j.flushAll();
        }
        String dlqTopic = Topics.EVENTS_DLQ + "." + format.cliName();
        String eventsTopic = Topics.EVENTS + "." + format.cliName();
        io.portrait.demo.EmbeddedKafka.createTopics(
                services.kafka.bootstrapServers(),
                List.of(
                        new org.apache.kafka.clients.admin.NewTopic(eventsTopic, 2, (short) 1),
                        new org.apache.kafka.clients.admin.NewTopic(dlqTopic, 1, (short) 1)));
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.topics.events", eventsTopic,
                                "portrait.topics.dlq", dlqTopic,
                                "portrait.redis.batch-size", "1000"));
        long started = System.nanoTime();
        try (Replay replay = Replay.open(file, format);
                Replayer.Target kafka = Replayer.kafka(config.kafkaBootstrap(), eventsTopic)) {
            Replayer.run(replay, kafka, 0, Long.MAX_VALUE, () -> false, null);
        }
        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-real-data-" + format.cliName());
        try {
            await().atMost(Duration.ofMinutes(DATASETS.isEmpty() ? 4 : 20))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(
                            () -> {
                                assertThat(Summary.profileTotals(services.redis.address())[1])
                                        .as("Σ counts.total")
                                        .isEqualTo(valid);
                                assertThat(Summary.recordsIn(config.kafkaBootstrap(), dlqTopic))
                                        .as("DLQ")
                                        .isEqualTo(invalid);
                            });
            // Let a checkpoint complete after the last record, then weigh it.
            Thread.sleep(2500);
            long users = Summary.profileTotals(services.redis.address())[0];
            long bytes =
                    directorySize(WORK.resolve("checkpoints").resolve(job.getJobID().toString()));
            System.err.printf(
                    "%s: checkpoint %d bytes for %d users = %d bytes per user%n",
                    file.getFileName(), bytes, users, bytes / Math.max(1, users));
        } finally {
            job.cancel().get();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.err.printf(
                "%s: %d records replayed and applied in %.1f s (%.0f/s)%n",
                file.getFileName(), valid + invalid, seconds, (valid + invalid) / seconds);
        return config;
    }

    /** Bytes under a checkpoint directory; files Flink deletes meanwhile are skipped. */
    static long directorySize(Path dir) throws IOException {
        long[] total = {0};
        Files.walkFileTree(
                dir,
                new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(
                            Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                        total[0] += attrs.size();
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
        return total[0];
    }

    Map<String, Long> dlqReasons(PortraitConfig config) throws IOException {
        Map<String, Long> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                Summary.readAll(config.kafkaBootstrap(), config.dlqTopic())) {
            reasons.merge(JSON.readTree(r.value()).get("reason").asText(), 1L, Long::sum);
        }
        return reasons;
    }

    /** A minimal RFC 4180 reader (quotes, doubled quotes), independent of the job's CSV code. */
    static List<List<String>> csv(Path gz) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(Files.newInputStream(gz)),
                                StandardCharsets.UTF_8))) {
            r.readLine();
            String line;
            while ((line = r.readLine()) != null) {
                List<String> fields = new ArrayList<>();
                StringBuilder cur = new StringBuilder();
                boolean quoted = false;
                for (int i = 0; i < line.length(); i++) {
                    char c = line.charAt(i);
                    if (quoted) {
                        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            cur.append('"');
                            i++;
                        } else if (c == '"') {
                            quoted = false;
                        } else {
                            cur.append(c);
                        }
                    } else if (c == '"') {
                        quoted = true;
                    } else if (c == ',') {
                        fields.add(cur.toString());
                        cur.setLength(0);
                    } else {
                        cur.append(c);
                    }
                }
                fields.add(cur.toString());
                rows.add(fields);
            }
        }
        return rows;
    }
}
