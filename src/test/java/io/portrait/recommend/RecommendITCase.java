package io.portrait.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.PortraitJob;
import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.Summary;
import io.portrait.event.EventType;
import io.portrait.profile.CoreModule;
import io.portrait.replay.Replay;
import io.portrait.replay.ReplayFormat;
import io.portrait.replay.Replayed;
import io.portrait.replay.Replayer;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.ProfileSchema;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Offline-style evaluation of the streaming recommendations through the real job on Taobao
 * clickstream (the shipped 20 000-row slice; the full 60 973 rows with -Pfull-data). The job runs
 * at parallelism 1 over a one-partition topic, so each user's list is the one the job had just
 * before their next event, and it publishes every list to the recommendation log. For every later
 * interaction of a user with an item they had not touched before, HitRate@10 and NDCG@10 of the
 * list given just before it are scored, and the same for a most-popular-items baseline computed the
 * same way (decayed counts with the job's half-life, as of just before the interaction, the user's
 * touched items left out). 95 % bootstrap intervals over users; CF must beat popularity beyond
 * them. Popularity scores next to nothing on the shipped slice, so the job's lists must also match
 * a stronger baseline on the second half of the data: item co-occurrence counted in batch on the
 * first half ({@link #againstPrefixCooccurrence}).
 */
class RecommendITCase extends PortraitITCase {
    static final String DATASETS = System.getProperty("portrait.datasets", "");
    static final ObjectMapper JSON = new ObjectMapper();
    static final int N = 10;

    record Interaction(String user, String item, long ts, double weight) {}

    record Given(long ts, List<String> items) {}

    @Test
    void collaborativeFilteringBeatsPopularityOnTaobao() throws Exception {
        Path file =
                DATASETS.isEmpty()
                        ? Path.of("src/test/resources/datasets/taobao_20k.csv.gz")
                        : Path.of(DATASETS, "taobao/taobao_userbehavior.csv.gz");
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.topics.events", "rec.events",
                                "portrait.topics.dlq", "rec.dlq",
                                "portrait.topics.alerts", "rec.alerts",
                                "portrait.topics.changes", "rec.changes",
                                "portrait.topics.control", "rec.control",
                                "portrait.topics.control-dlq", "rec.control-dlq",
                                "portrait.recommend.log-topic", "rec.log"));
        EmbeddedKafka.createPortraitTopics(config, 1, (short) 1);
        EmbeddedKafka.createTopics(
                config.kafkaBootstrap(),
                List.of(new org.apache.kafka.clients.admin.NewTopic("rec.log", 1, (short) 1)));

        List<Interaction> interactions = new ArrayList<>();
        long sent = 0;
        try (Replay replay = Replay.open(file, ReplayFormat.TAOBAO);
                Replayer.Target kafka =
                        Replayer.kafka(config.kafkaBootstrap(), config.eventsTopic())) {
            while (replay.hasNext()) {
                Replayed r = replay.next();
                kafka.send(r);
                sent++;
                JsonNode e = JSON.readTree(r.value());
                EventType type = EventType.fromWire(e.path("type").asText());
                if (type != null && e.hasNonNull("item_id")) {
                    interactions.add(
                            new Interaction(
                                    e.path("user_id").asText(),
                                    e.path("item_id").asText(),
                                    e.path("ts").isNumber()
                                            ? e.path("ts").asLong()
                                            : Instant.parse(e.path("ts").asText()).toEpochMilli(),
                                    CoreModule.interestWeight(type)));
                }
            }
        }

        StreamExecutionEnvironment env = environment();
        env.setParallelism(1);
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-recommend-it");
        Map<String, List<Given>> given = new HashMap<>();
        try {
            long total = sent;
            await().atMost(Duration.ofMinutes(DATASETS.isEmpty() ? 4 : 15))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(
                            () ->
                                    Summary.profileTotals(services.redis.address())[1]
                                                    + Summary.recordsIn(
                                                            config.kafkaBootstrap(),
                                                            config.dlqTopic())
                                            >= total);
            // The log settles a moment after the last profile.
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(3))
                    .until(
                            () -> {
                                long n = Summary.recordsIn(config.kafkaBootstrap(), "rec.log");
                                return n > 0 && n == last.getAndSet(n);
                            });
            for (ConsumerRecord<byte[], byte[]> r :
                    Summary.readAll(config.kafkaBootstrap(), "rec.log")) {
                JsonNode l = JSON.readTree(r.value());
                List<String> items = new ArrayList<>();
                l.path("items").forEach(i -> items.add(i.path("item_id").asText()));
                given.computeIfAbsent(l.path("user_id").asText(), u -> new ArrayList<>())
                        .add(new Given(Instant.parse(l.path("ts").asText()).toEpochMilli(), items));
            }
            // Every profile, as readers see it, carries the user's latest list and is valid against
            // the schema.
            try (redis.clients.jedis.UnifiedJedis redis =
                    io.portrait.sink.RedisConnections.client(services.redis.address(), "t", 5000)) {
                int checked = 0;
                for (Map.Entry<String, List<Given>> e : given.entrySet()) {
                    List<String> latest = e.getValue().get(e.getValue().size() - 1).items();
                    JsonNode doc =
                            ProfileSchema.assertValid(
                                    io.portrait.api.ProfileReader.read(redis, e.getKey()));
                    List<String> stored = new ArrayList<>();
                    doc.path("recommendations")
                            .path("items")
                            .forEach(i -> stored.add(i.path("item_id").asText()));
                    assertThat(stored).as("stored list of " + e.getKey()).isEqualTo(latest);
                    assertThat(stored.size()).isLessThanOrEqualTo(N);
                    checked++;
                }
                assertThat(checked).isGreaterThan(100);
            }
        } finally {
            job.cancel().get();
        }

        Scores cf = new Scores();
        Scores pop = new Scores();
        evaluate(interactions, given, config.recommend().halfLife().toMillis(), cf, pop);
        Scores cfLate = new Scores();
        Scores cooc = new Scores();
        againstPrefixCooccurrence(interactions, given, cfLate, cooc);
        double[] cfHr = Scores.bootstrap(cf.hits);
        double[] popHr = Scores.bootstrap(pop.hits);
        double[] cfNdcg = Scores.bootstrap(cf.ndcg);
        double[] popNdcg = Scores.bootstrap(pop.ndcg);
        System.out.printf(
                Locale.ROOT,
                "recommendations on %s: %d interactions with new items of %d users%n"
                        + "  item-item CF   %s%n  most popular   %s%n"
                        + "  second half of the data, %d interactions of %d users:%n"
                        + "  streaming CF   %s%n  batch co-occurrence on the first half   %s%n",
                file.getFileName(),
                cf.count(),
                cf.hits.size(),
                cf,
                pop,
                cfLate.count(),
                cfLate.hits.size(),
                cfLate,
                cooc);
        assertThat(cf.count()).as("interactions scored").isGreaterThan(1_000);
        assertThat(Scores.mean(cooc.hits))
                .as("the batch baseline finds something: the comparison is not with zero")
                .isPositive();
        assertThat(Scores.mean(cfLate.hits))
                .as("streaming CF HitRate@10 at least the batch co-occurrence model's")
                .isGreaterThanOrEqualTo(Scores.mean(cooc.hits));
        assertThat(Scores.mean(cfLate.ndcg))
                .as("streaming CF NDCG@10 at least the batch co-occurrence model's")
                .isGreaterThanOrEqualTo(Scores.mean(cooc.ndcg));
        assertThat(cfHr[0])
                .as("CF HitRate@10 beats popularity beyond the intervals")
                .isGreaterThan(popHr[1]);
        assertThat(cfNdcg[0])
                .as("CF NDCG@10 beats popularity beyond the intervals")
                .isGreaterThan(popNdcg[1]);
    }

    /** Per user: the hit (0/1) and NDCG contribution of every scored interaction. */
    static final class Scores {
        final Map<String, List<Double>> hits = new TreeMap<>();
        final Map<String, List<Double>> ndcg = new TreeMap<>();

        void add(String user, List<String> list, String item) {
            int rank = list.indexOf(item);
            hits.computeIfAbsent(user, u -> new ArrayList<>()).add(rank >= 0 ? 1.0 : 0.0);
            ndcg.computeIfAbsent(user, u -> new ArrayList<>())
                    .add(rank >= 0 ? 1 / (Math.log(rank + 2) / Math.log(2)) : 0.0);
        }

        long count() {
            return hits.values().stream().mapToLong(List::size).sum();
        }

        /** The means with their bootstrap intervals, as printed. */
        @Override
        public String toString() {
            double[] h = bootstrap(hits);
            double[] n = bootstrap(ndcg);
            return String.format(
                    Locale.ROOT,
                    "HitRate@10 %.5f [%.5f, %.5f]  NDCG@10 %.5f [%.5f, %.5f]",
                    mean(hits),
                    h[0],
                    h[1],
                    mean(ndcg),
                    n[0],
                    n[1]);
        }

        static double[] perUser(Map<String, List<Double>> scores) {
            return scores.values().stream()
                    .mapToDouble(
                            l -> l.stream().mapToDouble(Double::doubleValue).average().orElse(0))
                    .toArray();
        }

        /** Mean over users of each user's mean. */
        static double mean(Map<String, List<Double>> scores) {
            return java.util.Arrays.stream(perUser(scores)).average().orElse(0);
        }

        /** 95 % percentile bootstrap interval of {@link #mean} over users (2 000 resamples). */
        static double[] bootstrap(Map<String, List<Double>> scores) {
            double[] means = perUser(scores);
            Random r = new Random(17);
            double[] b = new double[2_000];
            for (int i = 0; i < b.length; i++) {
                double s = 0;
                for (int j = 0; j < means.length; j++) {
                    s += means[r.nextInt(means.length)];
                }
                b[i] = s / means.length;
            }
            java.util.Arrays.sort(b);
            return new double[] {b[(int) (0.025 * b.length)], b[(int) (0.975 * b.length) - 1]};
        }
    }

    /**
     * Scores the job's lists and the popularity baseline on every interaction with an item new to
     * its user (after the user's first interaction), in event-time order. Popularity ranks items by
     * their count decayed to now; with one half-life for all, that order is the order of {@code
     * count × 2^(t/halfLife)} at a fixed origin, kept in a sorted set.
     */
    static void evaluate(
            List<Interaction> interactions,
            Map<String, List<Given>> given,
            long halfLife,
            Scores cf,
            Scores pop) {
        List<Interaction> sorted = new ArrayList<>(interactions);
        sorted.sort(java.util.Comparator.comparingLong(Interaction::ts));
        long origin = sorted.isEmpty() ? 0 : sorted.get(0).ts();
        Map<String, Set<String>> touched = new HashMap<>();
        Map<String, Double> scaled = new HashMap<>();
        TreeSet<String> ranking =
                new TreeSet<>(
                        (a, b) -> {
                            int c = Double.compare(scaled.get(b), scaled.get(a));
                            return c != 0 ? c : a.compareTo(b);
                        });
        for (Interaction x : sorted) {
            Set<String> mine = touched.computeIfAbsent(x.user(), u -> new HashSet<>());
            if (!mine.isEmpty() && !mine.contains(x.item())) {
                cf.add(x.user(), listBefore(given.get(x.user()), x.ts()), x.item());
                List<String> top = new ArrayList<>(N);
                for (String item : ranking) {
                    if (!mine.contains(item)) {
                        top.add(item);
                        if (top.size() == N) {
                            break;
                        }
                    }
                }
                pop.add(x.user(), top, x.item());
            }
            if (scaled.containsKey(x.item())) {
                ranking.remove(x.item());
            }
            scaled.merge(
                    x.item(),
                    x.weight() * Math.pow(2, (x.ts() - origin) / (double) halfLife),
                    Double::sum);
            ranking.add(x.item());
            mine.add(x.item());
        }
    }

    /**
     * A stronger baseline than popularity, without hindsight: item-item co-occurrence (cosine over
     * the users who touched both) counted in batch on the first half of the data by event time and
     * then frozen; for every interaction of the second half with an item new to its user, the
     * baseline's list ranks the items not yet touched by the summed similarity to everything the
     * user has touched so far (the user's history keeps growing, the item model does not). The
     * job's list just before the same interaction is scored beside it.
     */
    static void againstPrefixCooccurrence(
            List<Interaction> interactions,
            Map<String, List<Given>> given,
            Scores cf,
            Scores baseline) {
        List<Interaction> sorted = new ArrayList<>(interactions);
        sorted.sort(java.util.Comparator.comparingLong(Interaction::ts));
        long split = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2).ts();
        Map<String, Set<String>> prefix = new HashMap<>();
        for (Interaction x : sorted) {
            if (x.ts() < split) {
                prefix.computeIfAbsent(x.user(), u -> new HashSet<>()).add(x.item());
            }
        }
        Map<String, Integer> users = new HashMap<>();
        Map<String, Map<String, Integer>> both = new HashMap<>();
        for (Set<String> items : prefix.values()) {
            for (String i : items) {
                users.merge(i, 1, Integer::sum);
                for (String j : items) {
                    if (!i.equals(j)) {
                        both.computeIfAbsent(i, k -> new HashMap<>()).merge(j, 1, Integer::sum);
                    }
                }
            }
        }
        Map<String, Set<String>> touched = new HashMap<>();
        for (Interaction x : sorted) {
            Set<String> mine = touched.computeIfAbsent(x.user(), u -> new HashSet<>());
            if (x.ts() >= split && !mine.isEmpty() && !mine.contains(x.item())) {
                Map<String, Double> score = new HashMap<>();
                for (String i : mine) {
                    for (var n : both.getOrDefault(i, Map.of()).entrySet()) {
                        if (!mine.contains(n.getKey())) {
                            score.merge(
                                    n.getKey(),
                                    n.getValue()
                                            / Math.sqrt(
                                                    (double) users.get(i) * users.get(n.getKey())),
                                    Double::sum);
                        }
                    }
                }
                List<String> top =
                        score.entrySet().stream()
                                .sorted(
                                        Map.Entry.<String, Double>comparingByValue()
                                                .reversed()
                                                .thenComparing(Map.Entry.comparingByKey()))
                                .limit(N)
                                .map(Map.Entry::getKey)
                                .toList();
                baseline.add(x.user(), top, x.item());
                cf.add(x.user(), listBefore(given.get(x.user()), x.ts()), x.item());
            }
            mine.add(x.item());
        }
    }

    /** The last list given to the user before {@code ts} (event time), or none. */
    static List<String> listBefore(List<Given> lists, long ts) {
        List<String> best = List.of();
        if (lists != null) {
            for (Given g : lists) {
                if (g.ts() < ts) {
                    best = g.items();
                }
            }
        }
        return best;
    }
}
