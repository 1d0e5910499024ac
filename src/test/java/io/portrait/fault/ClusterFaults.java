package io.portrait.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisAddress;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.RedisServerProcess;
import io.portrait.demo.Summary;
import io.portrait.testing.CheckedProducer;
import io.portrait.testing.RunCheck;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The fault suite on the multi-process cluster (scripts/fault-tests.sh): a JobManager and two
 * TaskManagers as separate JVMs (scripts/cluster.sh), a Kafka broker and a persistent Redis. The
 * same labelled workload (scenario stream, 2 % duplicates, 0.5 % malformed records) runs once calm
 * and once through, in order: stop-with-savepoint at parallelism 1 and a restart from it at 2; a
 * TaskManager killed with SIGKILL three times; Redis killed for 30 s; the broker restarted. Then
 * every user's counts.total must equal the distinct valid events sent and the alert ids must be the
 * calm run's. Prints a table and writes bench/results/fault-tests.json; exits 1 on any difference.
 */
public final class ClusterFaults {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Path root;
    private final EmbeddedKafka kafka;
    private final RedisServerProcess redis;
    private final String rest;
    private final ArrayNode faults = JSON.createArrayNode();

    private ClusterFaults(Path root, EmbeddedKafka kafka, RedisServerProcess redis, int restPort) {
        this.root = root;
        this.kafka = kafka;
        this.redis = redis;
        this.rest = "http://localhost:" + restPort;
    }

    /**
     * {@code ClusterFaults [events]} runs the fault suite; {@code ClusterFaults scale [events]}
     * measures instead how the drain rate grows from one TaskManager to two
     * (scripts/scale-test.sh).
     */
    public static void main(String[] args) throws Exception {
        boolean scale = args.length > 0 && args[0].equals("scale");
        if (scale) {
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        long events = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path root = Path.of("").toAbsolutePath();
        Path work = root.resolve("target/fault-tests");
        deleteTree(work);
        Files.createDirectories(work);
        int restPort = 18081;
        boolean ok;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                RedisServerProcess redis =
                        RedisServerProcess.startPersistent(work.resolve("redis"))) {
            ClusterFaults suite = new ClusterFaults(root, kafka, redis, restPort);
            suite.cluster("up", "2");
            try {
                ok = scale ? suite.scale(events) : suite.run(events);
            } finally {
                suite.cluster("down");
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private boolean run(long events) throws Exception {
        long t0 = System.nanoTime();
        RunCheck.Workload work = RunCheck.scenarioWorkload(events, 7);
        log(
                "workload: %d records, %d distinct valid events, %d users (%.0f s to generate)",
                work.records().size(),
                work.validEvents(),
                work.expectedTotals().size(),
                (System.nanoTime() - t0) / 1e9);

        // The reference: the same workload on the same cluster, no faults.
        Run calm = new Run("calm", 1);
        calm.load(work);
        String calmJob = calm.submit("-p 2");
        long calmStart = System.nanoTime();
        calm.awaitCounted(work, Duration.ofMinutes(30));
        double calmSeconds = (System.nanoTime() - calmStart) / 1e9;
        cluster("cancel", calmJob);
        TreeSet<String> reference =
                RunCheck.alertIds(kafka.bootstrapServers(), calm.topic("alerts"));
        log(
                "calm: all %d events counted in %.0f s; %d alert ids",
                work.validEvents(), calmSeconds, reference.size());

        Run faulty = new Run("faulty", 2);
        faulty.load(work);
        long total = work.records().size();
        String first = faulty.submit("-p 1");
        long start = System.nanoTime();

        // 1. Stop with a savepoint at parallelism 1, restart from it at parallelism 2.
        faulty.awaitConsumed(total / 10);
        long t = System.nanoTime();
        String savepoint = savepointPath(cluster("stop", first));
        String job = faulty.submit("-p 2 -s " + savepoint);
        awaitRunning(job);
        double rescale = (System.nanoTime() - t) / 1e9;
        record(
                "rescale 1 -> 2 via savepoint",
                rescale,
                awaitNextCheckpoint(job, t),
                "stop-with-savepoint, restart at p=2");

        // 2. A TaskManager killed with SIGKILL three times (then started again).
        for (int i = 0; i < 3; i++) {
            faulty.awaitConsumed(total * (25 + 15 * i) / 100);
            int tm = 1 + i % 2;
            t = System.nanoTime();
            int restartsBefore = restarts(job);
            cluster("kill-tm", Integer.toString(tm));
            await(
                    "the job to restart after the kill",
                    Duration.ofMinutes(3),
                    () -> restarts(job) > restartsBefore);
            awaitRunning(job);
            double running = (System.nanoTime() - t) / 1e9;
            record(
                    "TaskManager " + tm + " SIGKILL #" + (i + 1),
                    running,
                    awaitNextCheckpoint(job, t),
                    "restarted on the surviving TaskManager");
            cluster("start-tm", Integer.toString(tm));
        }

        // 3. Redis killed for 30 s: the sink blocks and back-pressures; the job must not restart.
        faulty.awaitConsumed(total * 72 / 100);
        int restartsBefore = restarts(job);
        t = System.nanoTime();
        redis.stopProcess();
        Thread.sleep(30_000);
        redis.startProcess();
        long back = System.nanoTime();
        double checkpointAfter = awaitNextCheckpoint(job, back);
        int redisRestarts = restarts(job) - restartsBefore;
        // The job never leaves RUNNING: the checkpoint figure is from Redis being back.
        record(
                "Redis killed for 30 s",
                0,
                checkpointAfter,
                "never stopped running; job restarts: " + redisRestarts);

        // 4. The Kafka broker stopped and started again.
        faulty.awaitConsumed(total * 85 / 100);
        t = System.nanoTime();
        int beforeBroker = restarts(job);
        kafka.stop();
        Thread.sleep(5_000);
        kafka.restart();
        awaitRunning(job);
        record(
                "Kafka broker restarted (down 5 s)",
                (System.nanoTime() - t) / 1e9,
                awaitNextCheckpoint(job, t),
                "job restarts: " + (restarts(job) - beforeBroker));

        faulty.awaitCounted(work, Duration.ofMinutes(30));
        double faultySeconds = (System.nanoTime() - start) / 1e9;
        List<String> wrong = RunCheck.countMismatches(faulty.redis(), work.expectedTotals());
        TreeSet<String> ids = RunCheck.alertIds(kafka.bootstrapServers(), faulty.topic("alerts"));
        long alertRecords = Summary.recordsIn(kafka.bootstrapServers(), faulty.topic("alerts"));
        cluster("cancel", job);

        TreeSet<String> missing = new TreeSet<>(reference);
        missing.removeAll(ids);
        TreeSet<String> extra = new TreeSet<>(ids);
        extra.removeAll(reference);
        boolean ok = wrong.isEmpty() && missing.isEmpty() && extra.isEmpty() && redisRestarts == 0;

        System.out.println();
        System.out.printf(
                "%-36s %12s %16s  %s%n", "fault", "running (s)", "checkpoint (s)", "note");
        for (JsonNode f : faults) {
            System.out.printf(
                    "%-36s %12.1f %16.1f  %s%n",
                    f.get("fault").asText(),
                    f.get("running_s").asDouble(),
                    f.get("first_checkpoint_s").asDouble(),
                    f.get("note").asText());
        }
        System.out.printf(
                "%nrecords %d, distinct valid events %d, users %d; calm run %.0f s, faulty run %.0f s%n"
                        + "users with a wrong counts.total: %d; alert ids calm %d, faulty %d (missing %d, extra %d; %d alert records)%n"
                        + "RESULT: %s%n",
                work.records().size(),
                work.validEvents(),
                work.expectedTotals().size(),
                calmSeconds,
                faultySeconds,
                wrong.size(),
                reference.size(),
                ids.size(),
                missing.size(),
                extra.size(),
                alertRecords,
                ok ? "PASS" : "FAIL");
        wrong.stream()
                .limit(5)
                .forEach(w -> System.out.println("  " + w.substring(0, Math.min(200, w.length()))));

        ObjectNode out = results(work);
        out.put("calm_seconds", Math.round(calmSeconds));
        out.put("faulty_seconds", Math.round(faultySeconds));
        out.put("wrong_counts", wrong.size());
        out.put("alert_ids_calm", reference.size());
        out.put("alert_ids_faulty", ids.size());
        out.put("alert_ids_missing", missing.size());
        out.put("alert_ids_extra", extra.size());
        out.put("alert_records", alertRecords);
        out.set("faults", faults);
        out.put("result", ok ? "PASS" : "FAIL");
        write("fault-tests.json", out);
        return ok;
    }

    /**
     * The same workload drained by the whole job at parallelism 1 (one TaskManager's slot; the
     * other TaskManager idles) and at parallelism 2 (one slot on each TaskManager), each on its own
     * topics and Redis database: events/s from running to every event counted in Redis.
     */
    private boolean scale(long events) throws Exception {
        RunCheck.Workload work = RunCheck.scenarioWorkload(events, 7);
        ArrayNode runs = JSON.createArrayNode();
        boolean ok = true;
        double[] eps = new double[3];
        for (int p = 1; p <= 2; p++) {
            Run run = new Run("scale-p" + p, p);
            run.load(work);
            String job = run.submit("-p " + p);
            long start = System.nanoTime();
            run.awaitCounted(work, Duration.ofMinutes(60));
            double seconds = (System.nanoTime() - start) / 1e9;
            long counted = Summary.profileTotals(run.redis())[1];
            cluster("cancel", job);
            ok &= counted == work.validEvents();
            eps[p] = work.validEvents() / seconds;
            ObjectNode r = runs.addObject();
            r.put("parallelism", p);
            r.put("task_managers", p);
            r.put("seconds", Math.round(seconds * 10) / 10.0);
            r.put("events_per_s", Math.round(eps[p]));
            r.put("counted", counted);
            log(
                    "p=%d: %d of %d events counted in %.1f s (%.0f events/s)",
                    p, counted, work.validEvents(), seconds, eps[p]);
        }
        System.out.printf(
                "%n%-28s %14s%n%-28s %14.0f%n%-28s %14.0f%n%-28s %14.2f%n",
                "whole job, drain",
                "events/s",
                "1 TaskManager (p=1)",
                eps[1],
                "2 TaskManagers (p=2)",
                eps[2],
                "speed-up",
                eps[2] / eps[1]);
        ObjectNode out = results(work);
        out.set("runs", runs);
        out.put("speed_up", Math.round(eps[2] / eps[1] * 100) / 100.0);
        write("scale.json", out);
        return ok;
    }

    /** The head of a results file: when, which commit, which workload. */
    private static ObjectNode results(RunCheck.Workload work) {
        ObjectNode out = JSON.createObjectNode();
        out.put("date", Instant.now().toString());
        out.put("commit", git("rev-parse", "--short", "HEAD"));
        out.put("records", work.records().size());
        out.put("valid_events", work.validEvents());
        out.put("users", work.expectedTotals().size());
        return out;
    }

    private void write(String file, ObjectNode out) throws IOException {
        Path results = root.resolve("bench/results");
        Files.createDirectories(results);
        Files.writeString(
                results.resolve(file),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
    }

    /** One run's topics (prefixed), consumer group and Redis database. */
    private final class Run {
        final String name;
        final int db;

        Run(String name, int db) {
            this.name = name;
            this.db = db;
        }

        String topic(String kind) {
            return name + "." + kind;
        }

        RedisAddress redis() {
            return RedisAddress.parse(redis.url() + "/" + db, "redis");
        }

        PortraitConfig config() {
            return PortraitConfig.defaults().with(settings());
        }

        Map<String, String> settings() {
            return Map.of(
                    "portrait.kafka.bootstrap-servers", kafka.bootstrapServers(),
                    "portrait.kafka.group-id", "portrait-" + name,
                    "portrait.redis.url", redis.url() + "/" + db,
                    "portrait.topics.events", topic("events"),
                    "portrait.topics.dlq", topic("dlq"),
                    "portrait.topics.alerts", topic("alerts"),
                    "portrait.topics.changes", topic("changes"),
                    "portrait.topics.control", topic("control"),
                    "portrait.topics.control-dlq", topic("control-dlq"));
        }

        void load(RunCheck.Workload work) {
            EmbeddedKafka.createPortraitTopics(config(), 2, (short) 1);
            long t = System.nanoTime();
            try (CheckedProducer producer = CheckedProducer.bulk(kafka.bootstrapServers())) {
                for (RunCheck.Input r : work.records()) {
                    producer.send(
                            new ProducerRecord<>(
                                    topic("events"),
                                    r.key().getBytes(StandardCharsets.UTF_8),
                                    r.value()));
                }
                producer.flush();
            }
            log(
                    "%s: %d records loaded in %.0f s",
                    name, work.records().size(), (System.nanoTime() - t) / 1e9);
        }

        String submit(String flinkOptions) throws Exception {
            List<String> args = new ArrayList<>(List.of("submit"));
            settings()
                    .forEach(
                            (k, v) -> {
                                args.add("-D");
                                args.add(k + "=" + v);
                            });
            String out =
                    cluster(
                            Map.of("PORTRAIT_SUBMIT_OPTS", flinkOptions),
                            args.toArray(String[]::new));
            Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("no job id in the submit output:\n" + out);
            }
            String job = m.group(1);
            awaitRunning(job);
            log("%s: job %s running (%s)", name, job, flinkOptions);
            return job;
        }

        /** Waits until the group's committed offsets (committed on checkpoints) reach {@code n}. */
        void awaitConsumed(long n) throws Exception {
            await(
                    name + " to consume " + n + " records",
                    Duration.ofMinutes(30),
                    () -> consumed() >= n);
        }

        long consumed() {
            try (Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers()))) {
                return admin
                        .listConsumerGroupOffsets("portrait-" + name)
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .values()
                        .stream()
                        .filter(o -> o != null)
                        .mapToLong(o -> o.offset())
                        .sum();
            } catch (Exception e) {
                return -1; // the broker may be restarting
            }
        }

        /** Until every event is counted in Redis, or nothing moved for 3 minutes. */
        void awaitCounted(RunCheck.Workload work, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            long last = -1;
            long movedAt = System.nanoTime();
            while (System.nanoTime() < deadline) {
                long n;
                try {
                    n = Summary.profileTotals(redis())[1];
                } catch (RuntimeException redisDown) {
                    n = last;
                }
                if (n == work.validEvents()) {
                    return;
                }
                if (n != last) {
                    last = n;
                    movedAt = System.nanoTime();
                } else if (System.nanoTime() - movedAt > Duration.ofMinutes(3).toNanos()) {
                    log("%s: stuck at %d of %d counted", name, n, work.validEvents());
                    return;
                }
                Thread.sleep(5_000);
            }
        }
    }

    private void record(String fault, double running, double checkpoint, String note) {
        ObjectNode f = faults.addObject();
        f.put("fault", fault);
        f.put("running_s", Math.round(running * 10) / 10.0);
        f.put("first_checkpoint_s", Math.round(checkpoint * 10) / 10.0);
        f.put("note", note);
        log(
                "%s: running again after %.1f s, first checkpoint after %.1f s (%s)",
                fault, running, checkpoint, note);
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> r =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(rest + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Until the job and every one of its vertices are RUNNING. */
    private void awaitRunning(String job) throws Exception {
        await(
                "job " + job + " to run",
                Duration.ofMinutes(5),
                () -> {
                    JsonNode j = get("/jobs/" + job);
                    if (!"RUNNING".equals(j.path("state").asText())) {
                        return false;
                    }
                    for (JsonNode v : j.path("vertices")) {
                        if (!"RUNNING".equals(v.path("status").asText())) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** Seconds from {@code since} until a checkpoint triggered after it has completed. */
    private double awaitNextCheckpoint(String job, long since) throws Exception {
        long sinceMillis = System.currentTimeMillis() - (System.nanoTime() - since) / 1_000_000;
        await(
                "a checkpoint of " + job,
                Duration.ofMinutes(5),
                () -> {
                    JsonNode c =
                            get("/jobs/" + job + "/checkpoints").path("latest").path("completed");
                    return !c.isMissingNode()
                            && !c.isNull()
                            && c.path("trigger_timestamp").asLong() >= sinceMillis;
                });
        return (System.nanoTime() - since) / 1e9;
    }

    /** Job restarts so far: the entries of its exception history. */
    private int restarts(String job) {
        return get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries").size();
    }

    private static String savepointPath(String stopOutput) {
        Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(stopOutput);
        if (!m.find()) {
            throw new IllegalStateException("no savepoint path in:\n" + stopOutput);
        }
        return m.group(1);
    }

    private String cluster(String... args) throws Exception {
        return cluster(Map.of(), args);
    }

    /** Runs scripts/cluster.sh with the suite's settings; returns its output, throws on failure. */
    private String cluster(Map<String, String> env, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of(root.resolve("scripts/cluster.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment()
                .put("PORTRAIT_CLUSTER_DIR", root.resolve("target/fault-tests/cluster").toString());
        pb.environment().put("PORTRAIT_REST_PORT", rest.substring(rest.lastIndexOf(':') + 1));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(
                    "cluster.sh " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // REST or Kafka briefly unavailable during a fault.
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("timed out waiting for " + what);
    }

    private static String git(String... args) {
        try {
            List<String> c = new ArrayList<>(List.of("git"));
            c.addAll(List.of(args));
            Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
