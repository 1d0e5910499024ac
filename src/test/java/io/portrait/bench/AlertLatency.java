package io.portrait.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.PortraitJob;
import io.portrait.config.PortraitConfig;
import io.portrait.config.Topics;
import io.portrait.demo.LocalFlink;
import io.portrait.demo.TrafficGenerator;
import io.portrait.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Event-to-alert latency, live (bench/alert-latency.sh): a real Kafka broker and Redis, the job on
 * a local MiniCluster (RocksDB, checkpoints every 10 s, every stage on), live background traffic
 * with the event time of now, and episodes of every rule injected live. For each alert of an
 * injected user: the time it was read from portrait.alerts minus the time its newest evidence event
 * was sent. Prints p50/p99/max per rule and writes bench/results/alert-latency.json.
 *
 * <p>Usage: AlertLatency [seconds=90] [background events/s=2000] [out-of-orderness=2 s] [network
 * buffer timeout=100 ms] [checkpoint interval=10 s]
 */
public final class AlertLatency {
    static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();

    /** Send of the newest evidence → detected_at (the detecting operator's clock). */
    final List<Long> toDetection = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Worst latency per 10 s of the run (by send time), to tell warm-up from steady state. */
    final Map<Long, Long> worstPer10s = new ConcurrentHashMap<>();

    long driveStart;
    final KafkaProducer<byte[], byte[]> producer;
    long sequence;

    AlertLatency(KafkaProducer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 90;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        String lateness = args.length > 2 ? args[2] : "2 s";
        Duration bufferTimeout =
                org.apache.flink.util.TimeUtils.parseDuration(args.length > 3 ? args[3] : "10 ms");
        Duration checkpoints =
                org.apache.flink.util.TimeUtils.parseDuration(args.length > 4 ? args[4] : "10 s");
        Path work = Files.createTempDirectory("portrait-latency-");
        try (LocalServices services = LocalServices.start()) {
            PortraitConfig config =
                    services.config(Map.of("portrait.ingest.out-of-orderness", lateness));
            try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
                producer.send(
                                new ProducerRecord<>(
                                        Topics.CONTROL,
                                        "rule:many_devices".getBytes(StandardCharsets.UTF_8),
                                        ("{\"kind\":\"rule\",\"id\":\"many_devices\",\"version\":1,"
                                                        + "\"payload\":{\"filter\":{\"types\":[\"login\"]},"
                                                        + "\"aggregate\":{\"fn\":\"distinct\",\"field\":"
                                                        + "\"device\"},\"window\":\"PT1H\",\"threshold\":4,"
                                                        + "\"severity\":\"high\"}}")
                                                .getBytes(StandardCharsets.UTF_8)))
                        .get();
                var flink = LocalFlink.configuration(work, checkpoints, 2);
                flink.set(
                        org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT,
                        bufferTimeout);
                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.createLocalEnvironment(flink);
                PortraitJob.attach(env, config, Clock.systemUTC());
                JobClient job = env.executeAsync("portrait-alert-latency");
                AlertLatency bench = new AlertLatency(producer);
                AtomicBoolean running = new AtomicBoolean(true);
                Thread reader = new Thread(() -> bench.readAlerts(config, running), "alerts");
                reader.start();
                Thread.sleep(15_000); // job start-up and the first checkpoint
                bench.drive(seconds, rate);
                Thread.sleep(10_000); // trailing alerts
                running.set(false);
                reader.join();
                job.cancel().get();
                bench.report(
                        seconds,
                        rate,
                        lateness
                                + ", network buffer timeout "
                                + bufferTimeout.toMillis()
                                + " ms, checkpoints every "
                                + checkpoints.toSeconds()
                                + " s");
            }
        }
        System.exit(0);
    }

    void drive(int seconds, int rate) throws Exception {
        TrafficGenerator background = TrafficGenerator.live(7, 20_000);
        driveStart = System.currentTimeMillis();
        long end = System.currentTimeMillis() + seconds * 1000L;
        long started = System.nanoTime();
        long sent = 0;
        int episode = 0;
        long nextEpisode = System.currentTimeMillis();
        List<Planned> plan = new ArrayList<>();
        while (System.currentTimeMillis() < end) {
            long now = System.currentTimeMillis();
            // Background at the target rate.
            long due = (System.nanoTime() - started) * rate / 1_000_000_000L;
            while (sent < due) {
                TrafficGenerator.Record r = background.next();
                producer.send(new ProducerRecord<>(Topics.EVENTS, r.key(), r.value()));
                sent++;
            }
            // A new episode every 100 ms, rules in rotation.
            if (now >= nextEpisode) {
                plan.addAll(episode(episode++, now));
                nextEpisode = now + 100;
            }
            plan.sort(java.util.Comparator.comparingLong(Planned::at));
            while (!plan.isEmpty() && plan.get(0).at() <= now) {
                send(plan.remove(0).event());
            }
            Thread.sleep(1);
        }
        producer.flush();
    }

    record Planned(long at, ObjectNode event) {}

    /** The events of one episode, each at the wall time it is to be sent (its event time). */
    List<Planned> episode(int n, long now) {
        String user = "lat-" + n;
        String[] rules = {
            "card_testing",
            "bot_burst",
            "many_devices",
            "spend_spike",
            "impossible_travel",
            "account_takeover",
            "refund_abuse"
        };
        List<Planned> out = new ArrayList<>();
        switch (rules[n % rules.length]) {
            case "card_testing" -> {
                for (int i = 0; i < 6; i++) {
                    ObjectNode e = event(user, "purchase", now + i * 300L);
                    e.put("order_id", user + "-o" + i);
                    e.put("amount", 0.99);
                    e.put("currency", "GBP");
                    out.add(new Planned(now + i * 300L, e));
                }
            }
            case "bot_burst" -> {
                for (int i = 0; i < 40; i++) {
                    out.add(new Planned(now + i * 50L, event(user, "view", now + i * 50L)));
                }
            }
            case "many_devices" -> {
                for (int i = 0; i < 4; i++) {
                    ObjectNode e = event(user, "login", now + i * 300L);
                    e.put("device", "device-" + i);
                    out.add(new Planned(now + i * 300L, e));
                }
            }
            case "spend_spike" -> {
                // Eight usual orders in the past hours (late events, applied by the profile),
                // then the spike, live.
                for (int i = 0; i < 8; i++) {
                    ObjectNode e = event(user, "purchase", now - (8 - i) * 3_600_000L);
                    e.put("order_id", user + "-h" + i);
                    e.put("amount", 20 + i);
                    e.put("currency", "GBP");
                    out.add(new Planned(now, e));
                }
                ObjectNode spike = event(user, "purchase", now + 1_000);
                spike.put("order_id", user + "-spike");
                spike.put("amount", 900);
                spike.put("currency", "GBP");
                out.add(new Planned(now + 1_000, spike));
            }
            case "impossible_travel" -> {
                ObjectNode home = event(user, "login", now - 20 * 60_000L);
                out.add(new Planned(now, home));
                ObjectNode away = event(user, "login", now + 500);
                ObjectNode geo = away.putObject("geo");
                geo.put("lat", -33.87);
                geo.put("lon", 151.21);
                out.add(new Planned(now + 500, away));
            }
            case "account_takeover" -> {
                long t = now;
                for (int i = 0; i < 3; i++, t += 200) {
                    out.add(new Planned(t, event(user, "login_failed", t)));
                }
                out.add(new Planned(t, event(user, "login", t)));
                t += 300;
                out.add(new Planned(t, event(user, "password_change", t)));
            }
            default -> {
                for (int i = 0; i < 4; i++) {
                    ObjectNode e = event(user, "refund", now + i * 200L);
                    e.put("amount", 15);
                    e.put("currency", "GBP");
                    out.add(new Planned(now + i * 200L, e));
                }
            }
        }
        return out;
    }

    ObjectNode event(String user, String type, long ts) {
        ObjectNode e = JSON.createObjectNode();
        e.put("event_id", user + "-" + sequence++);
        e.put("user_id", user);
        e.put("type", type);
        e.put("ts", Instant.ofEpochMilli(ts).toString());
        e.put("device", "iphone");
        ObjectNode geo = e.putObject("geo");
        geo.put("lat", 51.5074);
        geo.put("lon", -0.1278);
        geo.put("country", "GB");
        return e;
    }

    void send(ObjectNode e) throws Exception {
        sentAt.put(e.get("event_id").asText(), System.currentTimeMillis());
        producer.send(
                new ProducerRecord<>(
                        Topics.EVENTS,
                        e.get("user_id").asText().getBytes(StandardCharsets.UTF_8),
                        JSON.writeValueAsBytes(e)));
    }

    void readAlerts(PortraitConfig config, AtomicBoolean running) {
        Properties p = new Properties();
        p.put("bootstrap.servers", config.kafkaBootstrap());
        p.put("group.id", "alert-latency");
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(Topics.ALERTS));
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
                    long received = System.currentTimeMillis();
                    JsonNode a = JSON.readTree(r.value());
                    if (!a.get("user_id").asText().startsWith("lat-")) {
                        continue;
                    }
                    long newest = -1;
                    for (JsonNode id : a.get("event_ids")) {
                        Long t = sentAt.get(id.asText());
                        newest = t == null ? newest : Math.max(newest, t);
                    }
                    if (newest > 0) {
                        toDetection.add(
                                Instant.parse(a.get("detected_at").asText()).toEpochMilli()
                                        - newest);
                        worstPer10s.merge(
                                (newest - driveStart) / 10_000, received - newest, Math::max);
                        latencies
                                .computeIfAbsent(a.get("rule").asText(), k -> new ArrayList<>())
                                .add(received - newest);
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static long percentile(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    void report(int seconds, int rate, String lateness) throws Exception {
        Map<String, Object> rules = new TreeMap<>();
        List<Long> immediate = new ArrayList<>();
        StringBuilder table =
                new StringBuilder(
                        String.format(
                                "alert latency (send of the newest evidence event -> read from"
                                        + " portrait.alerts), %d s, background %d events/s,"
                                        + " out-of-orderness %s%n%-18s %6s %8s %8s %8s%n",
                                seconds, rate, lateness, "rule", "alerts", "p50 ms", "p99 ms",
                                "max ms"));
        for (var e : new TreeMap<>(latencies).entrySet()) {
            List<Long> l = new ArrayList<>(e.getValue());
            l.sort(null);
            if (!e.getKey().equals("account_takeover") && !e.getKey().equals("refund_abuse")) {
                immediate.addAll(l);
            }
            table.append(
                    String.format(
                            "%-18s %6d %8d %8d %8d%n",
                            e.getKey(),
                            l.size(),
                            percentile(l, 0.5),
                            percentile(l, 0.99),
                            l.get(l.size() - 1)));
            rules.put(
                    e.getKey(),
                    Map.of(
                            "alerts", l.size(),
                            "p50_ms", percentile(l, 0.5),
                            "p99_ms", percentile(l, 0.99),
                            "max_ms", l.get(l.size() - 1)));
        }
        immediate.sort(null);
        List<Long> all = new ArrayList<>();
        latencies.values().forEach(all::addAll);
        all.sort(null);
        table.append(
                String.format(
                        "%-18s %6d %8d %8d %8d%n",
                        "non-CEP rules",
                        immediate.size(),
                        percentile(immediate, 0.5),
                        percentile(immediate, 0.99),
                        immediate.get(immediate.size() - 1)));
        table.append(
                String.format(
                        "%-18s %6d %8d %8d %8d%n",
                        "all rules",
                        all.size(),
                        percentile(all, 0.5),
                        percentile(all, 0.99),
                        all.get(all.size() - 1)));
        List<Long> detect = new ArrayList<>(toDetection);
        detect.sort(null);
        table.append(
                String.format(
                        "send -> detected_at (all rules): p50 %d ms, p99 %d ms, max %d ms%n",
                        percentile(detect, 0.5),
                        percentile(detect, 0.99),
                        detect.get(detect.size() - 1)));
        table.append("worst latency per 10 s of the run (ms):");
        new TreeMap<>(worstPer10s).values().forEach(v -> table.append(' ').append(v));
        System.out.println(table);
        Path out = Path.of("bench/results/alert-latency.json");
        Files.createDirectories(out.getParent());
        Files.writeString(
                out,
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(
                                Map.of(
                                        "date", Instant.now().toString(),
                                        "seconds", seconds,
                                        "background_eps", rate,
                                        "out_of_orderness", lateness,
                                        "rules", rules,
                                        "non_cep_p99_ms", percentile(immediate, 0.99),
                                        "all_p99_ms", percentile(all, 0.99))));
    }
}
