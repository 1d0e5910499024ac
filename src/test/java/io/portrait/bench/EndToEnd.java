package io.portrait.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.PortraitJob;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.FreePorts;
import io.portrait.demo.LocalFlink;
import io.portrait.demo.TrafficGenerator;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.CheckedProducer;
import io.portrait.testing.LocalServices;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * The end-to-end benchmark (bench/run.sh): a Kafka broker and Redis on this machine, the events
 * topic pre-loaded with generated traffic (duplicates and malformed records included), then in one
 * run: a plain consumer that reads and JSON-parses the topic (the ceiling); alternating rounds
 * (bench.repeats, default 3; medians reported) of a bare keyed-state job (the floor, on RocksDB and
 * on the heap), the job with only the spine, with every per-user module, and with recommendations
 * too, each draining the topic; and send → profile-in-Redis latency under a paced live producer at
 * half the per-user run's throughput. The job runs on a local MiniCluster as configured for
 * production (RocksDB, incremental exactly-once checkpoints every 10 s). Prints a table, writes
 * bench/results/latest.json and a dated copy.
 *
 * <p>Usage: EndToEnd [events=2000000] [users=200000] [latency seconds=60] [key=value ...] — the
 * key=value pairs are settings applied to every run and recorded in the results: portrait.* keys to
 * the job (e.g. portrait.redis.flush-interval=20 ms), others to Flink's configuration (e.g.
 * state.backend.rocksdb.timer-service.factory=HEAP), except bench.latency-rate=N, which paces the
 * latency run at N events/s instead of half the pipeline's throughput (to compare two settings at
 * one load).
 */
public final class EndToEnd {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LATENCY_RATE = "bench.latency-rate";
    static final String REPEATS = "bench.repeats";
    static final String RUNS = "bench.runs";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Duration CHECKPOINTS = Duration.ofSeconds(10);

    final LocalServices services;
    final Path work;
    final String topic = "bench.events";
    final Map<String, String> settings = new java.util.TreeMap<>();
    long records;

    EndToEnd(LocalServices services, Path work) {
        this.services = services;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        long events = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
        int users = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int latencySeconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        Path work = Files.createTempDirectory("portrait-bench-");
        try (LocalServices services = LocalServices.start()) {
            EndToEnd b = new EndToEnd(services, work);
            for (int i = 3; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException(
                            "'"
                                    + args[i]
                                    + "': settings are key=value, e.g."
                                    + " portrait.redis.flush-interval=20ms");
                }
                b.settings.put(args[i].substring(0, eq).trim(), args[i].substring(eq + 1).trim());
            }
            b.preload(events, users);
            double raw = b.rawRead();
            int repeats = Integer.parseInt(b.settings.getOrDefault(REPEATS, "3"));
            Map<String, String> spineOnly =
                    Map.of(
                            "portrait.anomaly.enabled", "false",
                            "portrait.predict.enabled", "false",
                            "portrait.segment.enabled", "false",
                            "portrait.recommend.enabled", "false");
            Map<String, String> perUser = Map.of("portrait.recommend.enabled", "false");
            List<Drain> floors = new ArrayList<>();
            List<Drain> heapFloors = new ArrayList<>();
            List<Drain> spines = new ArrayList<>();
            List<Drain> perUsers = new ArrayList<>();
            List<Drain> pipelines = new ArrayList<>();
            int floorBytes = 0;
            long savepointBytesPerUser = 0;
            // Alternating rounds, so that a slow minute of the shared machine hits every run alike;
            // medians of the rounds are reported.
            java.util.Set<String> runs =
                    java.util.Set.of(
                            b.settings
                                    .getOrDefault(
                                            RUNS, "state,floor,floor-heap,spine,per-user,pipeline")
                                    .split(","));
            if (runs.contains("state")) {
                // First, so it also warms the JIT for the timed rounds.
                savepointBytesPerUser = b.savepointBytesPerUser(perUser);
                floorBytes = (int) Math.max(64, savepointBytesPerUser);
            }
            for (int round = 0; round < repeats; round++) {
                if (runs.contains("per-user")) {
                    perUsers.add(b.drain("per-user-" + round, perUser));
                }
                if (floorBytes == 0 && !perUsers.isEmpty()) {
                    Drain d = perUsers.get(0);
                    floorBytes =
                            (int)
                                    Math.max(
                                            64,
                                            d.profiles() == 0
                                                    ? 1500
                                                    : d.stateBytes() / d.profiles());
                }
                int bytes = floorBytes == 0 ? 1500 : floorBytes;
                if (runs.contains("spine")) {
                    spines.add(b.drain("spine-" + round, spineOnly));
                }
                if (runs.contains("floor")) {
                    floors.add(b.floor("floor-" + round, "rocksdb", bytes));
                }
                if (runs.contains("floor-heap")) {
                    heapFloors.add(b.floor("floor-heap-" + round, "hashmap", bytes));
                }
                if (runs.contains("pipeline")) {
                    pipelines.add(b.drain("pipeline-" + round, Map.of()));
                }
            }
            if (!runs.containsAll(
                    java.util.Set.of(
                            "state", "floor", "floor-heap", "spine", "per-user", "pipeline"))) {
                // A partial run (profiling, an A/B): the logged figures are the result, and the
                // latency run too when it is asked for (at bench.latency-rate).
                if (runs.contains("latency")) {
                    b.latency(Double.parseDouble(b.settings.get(LATENCY_RATE)), latencySeconds);
                }
                services.close();
                System.exit(0);
            }
            Drain pipeline = median(pipelines);
            String fixedRate = b.settings.get(LATENCY_RATE);
            double rate =
                    fixedRate == null ? median(perUsers).eps() / 2 : Double.parseDouble(fixedRate);
            Latency latency = b.latency(rate, latencySeconds);
            b.report(
                    events,
                    users,
                    raw,
                    floorBytes,
                    median(floors),
                    median(heapFloors),
                    median(spines),
                    median(perUsers),
                    pipeline,
                    latency,
                    savepointBytesPerUser);
        }
        System.exit(0);
    }

    PortraitConfig config(String name, Map<String, String> overrides) {
        Map<String, String> m = new HashMap<>(portraitSettings());
        m.putAll(overrides);
        m.put("portrait.topics.events", topic);
        m.put("portrait.topics.dlq", name + ".dlq");
        m.put("portrait.topics.alerts", name + ".alerts");
        m.put("portrait.topics.alerts-cep", name + ".alerts-cep");
        m.put("portrait.topics.changes", name + ".changes");
        m.put("portrait.topics.control", name + ".control");
        m.put("portrait.topics.control-dlq", name + ".control-dlq");
        m.put("portrait.kafka.group-id", "bench-" + name);
        return services.config(m);
    }

    Map<String, String> portraitSettings() {
        Map<String, String> m = new java.util.TreeMap<>(settings);
        m.keySet().removeIf(k -> !k.startsWith("portrait."));
        return m;
    }

    /** The MiniCluster's configuration: production-like, plus the non-portrait settings. */
    Configuration flinkConfiguration(String name) {
        Configuration flink = LocalFlink.configuration(work.resolve(name), CHECKPOINTS, 2);
        settings.forEach(
                (k, v) -> {
                    if (!k.startsWith("portrait.") && !k.startsWith("bench.")) {
                        flink.setString(k, v);
                    }
                });
        return flink;
    }

    void preload(long events, int users) {
        EmbeddedKafka.createPortraitTopics(config("preload", Map.of()), 2, (short) 1);
        long start = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
        long step = Math.max(1, Duration.ofHours(2).toMillis() / events);
        AtomicLong clock = new AtomicLong(start);
        TrafficGenerator gen =
                new TrafficGenerator(11, users, () -> clock.addAndGet(step), 0.005, 0.01);
        long t = System.nanoTime();
        try (CheckedProducer p = producer()) {
            for (long i = 0; i < events; i++) {
                TrafficGenerator.Record r = gen.next();
                p.send(new ProducerRecord<>(topic, r.key(), r.value()));
            }
            p.flush();
        }
        records = events;
        log("preloaded %d records for %d users in %.0f s", events, users, secondsSince(t));
    }

    CheckedProducer producer() {
        return CheckedProducer.bulk(services.kafka.bootstrapServers());
    }

    /** A plain consumer reading the whole topic and parsing every value with Jackson. */
    double rawRead() throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", services.kafka.bootstrapServers());
        c.put("max.poll.records", 5000);
        c.put("fetch.max.bytes", 64 * 1024 * 1024);
        c.put("max.partition.fetch.bytes", 16 * 1024 * 1024);
        long n = 0;
        long parsed = 0;
        long t;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            t = System.nanoTime();
            while (n < records) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    n++;
                    try {
                        JSON.readTree(r.value());
                        parsed++;
                    } catch (java.io.IOException malformed) {
                        // Counted as read; the job sends these to its DLQ.
                    }
                }
            }
        }
        double eps = n / secondsSince(t);
        log("raw read + parse: %d records (%d parsed) at %.0f records/s", n, parsed, eps);
        return eps;
    }

    record Drain(
            String name,
            double eps,
            double seconds,
            double cpuMicrosPerRecord,
            long checkpointMillis,
            long checkpointBytes,
            long stateBytes,
            long profiles,
            long renders,
            long redisWrites,
            long flushes) {}

    /** The run with the median throughput. */
    static Drain median(List<Drain> runs) {
        List<Drain> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(Drain::eps));
        return sorted.get(sorted.size() / 2);
    }

    /** Profile upserts (the versioned-upsert script) since the last reset. */
    long redisWrites() {
        try (Jedis j = RedisConnections.open(services.redis.address(), "bench", 10_000)) {
            long n = 0;
            for (String line : j.info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_evalsha:")) {
                    int at = line.indexOf("calls=");
                    n += Long.parseLong(line.substring(at + 6, line.indexOf(',', at)));
                }
            }
            return n;
        }
    }

    /**
     * The floor: a bare job over the same topic and configuration — Kafka source with the job's own
     * parser and watermarks → keyBy(user_id) → one ValueState<byte[]> of {@code stateBytes} random
     * bytes, read and written per event → a discarding sink. What keyed, exactly-once state costs
     * on this machine before any of portrait's own work.
     */
    Drain floor(String name, String backend, int stateBytes) throws Exception {
        PortraitConfig config = config(name, Map.of("portrait.kafka.stop-at-end", "true"));
        int restPort = FreePorts.next();
        Configuration flink = flinkConfiguration(name);
        flink.set(RestOptions.PORT, restPort);
        flink.setString("state.backend.type", backend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        org.apache.flink.connector.kafka.source.KafkaSource<io.portrait.event.Ingested> source =
                org.apache.flink.connector.kafka.source.KafkaSource
                        .<io.portrait.event.Ingested>builder()
                        .setProperties(config.kafkaClientProperties())
                        .setBootstrapServers(config.kafkaBootstrap())
                        .setTopics(topic)
                        .setGroupId(config.kafkaGroupId())
                        .setStartingOffsets(
                                org.apache.flink.connector.kafka.source.enumerator.initializer
                                        .OffsetsInitializer.earliest())
                        .setBounded(
                                org.apache.flink.connector.kafka.source.enumerator.initializer
                                        .OffsetsInitializer.latest())
                        .setDeserializer(
                                new io.portrait.ingest.EventDeserializer(config, Clock.systemUTC()))
                        .build();
        env.fromSource(source, io.portrait.ingest.IngestWatermarks.strategy(config), "Kafka events")
                .uid("floor-source")
                .process(new io.portrait.ingest.RouteDeadLetters())
                .uid("floor-route")
                .keyBy(io.portrait.event.Event::userId)
                .process(new FloorState(stateBytes))
                .uid("floor-state")
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                .uid("floor-sink");
        return run(name, env, restPort, false);
    }

    /** One ValueState<byte[]> per user, read and rewritten (a fresh array) per event. */
    static final class FloorState
            extends org.apache.flink.streaming.api.functions.KeyedProcessFunction<
                    String, io.portrait.event.Event, Long> {
        private final int bytes;
        private transient org.apache.flink.api.common.state.ValueState<byte[]> state;
        private transient java.util.SplittableRandom random;

        FloorState(int bytes) {
            this.bytes = bytes;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            state =
                    getRuntimeContext()
                            .getState(
                                    new org.apache.flink.api.common.state.ValueStateDescriptor<>(
                                            "floor",
                                            org.apache.flink.api.common.typeinfo
                                                    .PrimitiveArrayTypeInfo
                                                    .BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
            random = new java.util.SplittableRandom(1);
        }

        @Override
        public void processElement(
                io.portrait.event.Event e, Context ctx, org.apache.flink.util.Collector<Long> out)
                throws Exception {
            byte[] old = state.value();
            byte[] next = old == null ? new byte[bytes] : old.clone();
            next[random.nextInt(bytes)] = (byte) random.nextInt();
            if (old == null) {
                for (int i = 0; i < bytes; i += 8) {
                    next[i] = (byte) random.nextInt();
                }
            }
            state.update(next);
        }
    }

    /**
     * State per user as savepoint bytes ÷ profiles: the per-user job reads the whole topic
     * (unbounded), and once its source has committed the topic's end offsets (a completed
     * checkpoint after the last record), it stops with a savepoint in Flink's canonical format —
     * every key's values as Flink serializes them, free of RocksDB's uncompacted versions and of
     * the changelog, so the figure is the state the job keeps, not how the backend stores it.
     */
    long savepointBytesPerUser(Map<String, String> overrides) throws Exception {
        String name = "state";
        PortraitConfig config = config(name, overrides);
        StreamExecutionEnvironment env = portraitJob(name, config, FreePorts.next());
        try (Jedis j = RedisConnections.open(services.redis.address(), "bench", 10_000)) {
            j.flushAll();
        }
        long t = System.nanoTime();
        JobClient job = env.executeAsync("portrait-bench-" + name);
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(
                        Map.of("bootstrap.servers", services.kafka.bootstrapServers()))) {
            while (committed(admin, config.kafkaGroupId()) < records) {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    job.getJobExecutionResult().get(); // throws the failure
                    throw new IllegalStateException(name + ": the job ended before the drain");
                }
                Thread.sleep(500);
            }
        }
        String path =
                job.stopWithSavepoint(
                                false,
                                work.resolve("savepoints").toUri().toString(),
                                org.apache.flink.core.execution.SavepointFormatType.CANONICAL)
                        .get(10, java.util.concurrent.TimeUnit.MINUTES);
        long bytes;
        try (var files = Files.walk(Path.of(URI.create(path)))) {
            bytes =
                    files.filter(Files::isRegularFile)
                            .mapToLong(
                                    f -> {
                                        try {
                                            return Files.size(f);
                                        } catch (java.io.IOException e) {
                                            throw new java.io.UncheckedIOException(e);
                                        }
                                    })
                            .sum();
        }
        long profiles = io.portrait.demo.Summary.profileTotals(services.redis.address())[0];
        if (profiles == 0) {
            throw new IllegalStateException(name + ": no profile in Redis");
        }
        log(
                "%s: drained and stopped with a canonical savepoint in %.0f s: %d B for %d profiles"
                        + " = %d B per user",
                name, secondsSince(t), bytes, profiles, bytes / profiles);
        return bytes / profiles;
    }

    /** Offsets the group has committed on the events topic (Flink commits on checkpoints). */
    long committed(org.apache.kafka.clients.admin.Admin admin, String group) throws Exception {
        long n = 0;
        for (var e :
                admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .entrySet()) {
            if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                n += e.getValue().offset();
            }
        }
        return n;
    }

    /**
     * Runs the job over the pre-loaded topic until it is drained (portrait.kafka.stop-at-end);
     * throughput over the job's net runtime.
     */
    Drain drain(String name, Map<String, String> overrides) throws Exception {
        Map<String, String> m = new HashMap<>(overrides);
        m.put("portrait.kafka.stop-at-end", "true");
        PortraitConfig config = config(name, m);
        int restPort = FreePorts.next();
        return run(name, portraitJob(name, config, restPort), restPort, true);
    }

    /** The portrait job on a local MiniCluster with the bench's settings, its topics created. */
    StreamExecutionEnvironment portraitJob(String name, PortraitConfig config, int restPort) {
        EmbeddedKafka.createPortraitTopics(config, 2, (short) 1);
        Configuration flink = flinkConfiguration(name);
        flink.set(RestOptions.PORT, restPort);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        PortraitJob.attach(env, config, Clock.systemUTC());
        return env;
    }

    /**
     * Runs a job until it ends; throughput over the job's net runtime (from its start, tasks
     * deployed and reading, to its end), CPU of this JVM (job and broker) from submission.
     */
    Drain run(String name, StreamExecutionEnvironment env, int restPort, boolean portrait)
            throws Exception {
        try (Jedis j = RedisConnections.open(services.redis.address(), "bench", 10_000)) {
            j.flushAll();
            j.configResetStat();
        }
        var os =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();
        long cpuAtStart = os.getProcessCpuTime();
        JobClient job = env.executeAsync("portrait-bench-" + name);
        long[] checkpoint = {0, 0, 0};
        long lastStats = 0;
        var result = job.getJobExecutionResult();
        while (!result.isDone()) {
            if (System.nanoTime() - lastStats > 2_000_000_000L) {
                lastStats = System.nanoTime();
                checkpointStats(restPort, job.getJobID().toString(), checkpoint);
            }
            Thread.sleep(20);
        }
        org.apache.flink.api.common.JobExecutionResult done = result.get(); // throws if it failed
        // The job's net runtime: from its start (tasks deployed and reading) to its end.
        double seconds = done.getNetRuntime() / 1000.0;
        long cpu = os.getProcessCpuTime() - cpuAtStart;
        long profiles =
                portrait ? io.portrait.demo.Summary.profileTotals(services.redis.address())[0] : 0;
        if (portrait && profiles == 0) {
            throw new IllegalStateException(name + ": the job ended without a profile in Redis");
        }
        Long renders = done.getAccumulatorResult(io.portrait.user.UserOperator.RENDERS);
        Long flushes = done.getAccumulatorResult(io.portrait.user.UserOperator.FLUSHES);
        Drain d =
                new Drain(
                        name,
                        records / seconds,
                        seconds,
                        cpu / 1e3 / records,
                        checkpoint[0],
                        checkpoint[1],
                        checkpoint[2],
                        profiles,
                        renders == null ? 0 : renders,
                        portrait ? redisWrites() : 0,
                        flushes == null ? 0 : flushes);
        log(
                "%s: %d records in %.1f s = %.0f records/s, %.1f µs CPU per record (this JVM:"
                        + " job and broker), checkpoint %d ms / %d B, state %d B, %d renders,"
                        + " %d Redis writes, %d flushes",
                name,
                records,
                seconds,
                d.eps(),
                d.cpuMicrosPerRecord(),
                checkpoint[0],
                checkpoint[1],
                checkpoint[2],
                d.renders(),
                d.redisWrites(),
                d.flushes());
        return d;
    }

    /** Latest completed checkpoint: [duration ms, checkpointed (incremental) bytes, full bytes]. */
    static void checkpointStats(int port, String job, long[] out) {
        try {
            HttpResponse<String> r =
                    HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://localhost:"
                                                            + port
                                                            + "/jobs/"
                                                            + job
                                                            + "/checkpoints"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            JsonNode c = JSON.readTree(r.body()).path("latest").path("completed");
            if (c.isObject()) {
                out[0] = c.path("end_to_end_duration").asLong();
                out[1] = c.path("checkpointed_size").asLong();
                out[2] = c.path("state_size").asLong();
            }
        } catch (Exception notYet) {
            // The job is starting or finishing; keep the last figures.
        }
    }

    record Latency(double rate, long samples, double p50, double p99, double p999, double max) {}

    /**
     * Send → profile visible in Redis, with a paced live producer (event time = now, the send time
     * kept per user) and Redis keyspace notifications for the profile keys. One event in flight per
     * user; 50 000 users in rotation. Every per-user module is on, recommendations off (as in the
     * per-user drain whose throughput sets the rate).
     */
    Latency latency(double rate, int seconds) throws Exception {
        PortraitConfig live =
                config("live", Map.of("portrait.recommend.enabled", "false"))
                        .with(Map.of("portrait.topics.events", "live.events"));
        EmbeddedKafka.createPortraitTopics(live, 2, (short) 1);
        try (Jedis j = RedisConnections.open(services.redis.address(), "bench", 10_000)) {
            j.flushAll();
            j.configSet("notify-keyspace-events", "K$");
        }
        Map<String, Long> pending = new ConcurrentHashMap<>();
        List<Long> micros = Collections.synchronizedList(new ArrayList<>());
        long[] measureFrom = {Long.MAX_VALUE};
        // Worst latency per 5 s of send time: a backlog grows, a checkpoint stall repeats.
        java.util.concurrent.ConcurrentSkipListMap<Long, Long> worstPerWindow =
                new java.util.concurrent.ConcurrentSkipListMap<>();
        JedisPubSub listener =
                new JedisPubSub() {
                    @Override
                    public void onPMessage(String pattern, String channel, String message) {
                        String user = channel.substring(channel.lastIndexOf(':') + 1);
                        Long sent = pending.remove(user);
                        long now = System.nanoTime();
                        if (sent != null && sent >= measureFrom[0]) {
                            long us = (now - sent) / 1000;
                            micros.add(us);
                            worstPerWindow.merge(
                                    (sent - measureFrom[0]) / 5_000_000_000L, us, Math::max);
                        }
                    }
                };
        Thread subscriber =
                new Thread(
                        () -> {
                            try (Jedis s =
                                    RedisConnections.open(
                                            services.redis.address(), "bench-sub", 0)) {
                                s.psubscribe(listener, "__keyspace@0__:" + RedisKeys.profile("*"));
                            }
                        },
                        "keyspace");
        subscriber.setDaemon(true);
        subscriber.start();

        Configuration flink = flinkConfiguration("live");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        PortraitJob.attach(env, live, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-bench-live");
        try (CheckedProducer p = producer()) {
            Thread.sleep(15_000); // deployment and the first checkpoint
            long start = System.nanoTime();
            measureFrom[0] = start + 10_000_000_000L; // 10 s of warm-up
            long end = start + (seconds + 10) * 1_000_000_000L;
            long n = 0;
            while (System.nanoTime() < end) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                while (n < due) {
                    String user = "lu-" + (n % 50_000);
                    String json =
                            "{\"event_id\":\"l-"
                                    + n
                                    + "\",\"user_id\":\""
                                    + user
                                    + "\",\"type\":\"view\",\"ts\":\""
                                    + Instant.now()
                                    + "\",\"item_id\":\"i-"
                                    + (n % 997)
                                    + "\",\"category\":\"books\",\"device\":\"web\"}";
                    pending.putIfAbsent(user, System.nanoTime());
                    p.send(
                            new ProducerRecord<>(
                                    "live.events",
                                    user.getBytes(StandardCharsets.UTF_8),
                                    json.getBytes(StandardCharsets.UTF_8)));
                    n++;
                }
                Thread.sleep(1);
            }
            p.flush();
            Thread.sleep(3_000);
        } finally {
            listener.punsubscribe();
            job.cancel().get();
        }
        List<Long> sorted;
        synchronized (micros) {
            sorted = new ArrayList<>(micros);
        }
        Collections.sort(sorted);
        Latency l =
                new Latency(
                        rate,
                        sorted.size(),
                        percentile(sorted, 0.50),
                        percentile(sorted, 0.99),
                        percentile(sorted, 0.999),
                        sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1) / 1000.0);
        log(
                "latency at %.0f events/s: %d samples, send -> Redis p50 %.1f ms, p99 %.1f ms,"
                        + " p99.9 %.1f ms, max %.1f ms",
                rate, l.samples(), l.p50(), l.p99(), l.p999(), l.max());
        StringBuilder windows = new StringBuilder("worst latency per 5 s of send time (ms):");
        worstPerWindow.forEach((w, us) -> windows.append(' ').append(us / 1000));
        log("%s", windows);
        return l;
    }

    static double percentile(List<Long> sortedMicros, double q) {
        if (sortedMicros.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.min(sortedMicros.size() - 1, Math.ceil(q * sortedMicros.size()) - 1);
        return sortedMicros.get(Math.max(0, i)) / 1000.0;
    }

    static double perEvent(long n, long events) {
        return Math.round(n * 1000.0 / events) / 1000.0;
    }

    static void drain(ObjectNode out, String prefix, Drain d, long events) {
        out.put(prefix + "_eps", Math.round(d.eps()));
        out.put(prefix + "_cpu_us_per_event", Math.round(d.cpuMicrosPerRecord() * 10) / 10.0);
        if (d.profiles() > 0) {
            out.put(prefix + "_renders_per_event", perEvent(d.renders(), events));
            out.put(prefix + "_redis_writes_per_event", perEvent(d.redisWrites(), events));
            out.put(prefix + "_flushes", d.flushes());
            out.put(prefix + "_state_bytes_per_user", d.stateBytes() / d.profiles());
        }
    }

    void report(
            long events,
            int users,
            double raw,
            int floorBytes,
            Drain floor,
            Drain heapFloor,
            Drain spine,
            Drain perUser,
            Drain pipeline,
            Latency latency,
            long savepointBytesPerUser)
            throws Exception {
        PortraitConfig defaults = PortraitConfig.defaults();
        ObjectNode out = JSON.createObjectNode();
        out.put("date", Instant.now().toString());
        out.put("commit", git());
        out.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
        out.put("events", events);
        out.put("users", users);
        out.put("raw_eps", Math.round(raw));
        out.put("floor_state_bytes", floorBytes);
        drain(out, "floor", floor, events);
        drain(out, "floor_heap", heapFloor, events);
        drain(out, "spine", spine, events);
        drain(out, "per_user", perUser, events);
        drain(out, "pipeline", pipeline, events);
        out.put("spine_over_floor", Math.round(spine.eps() / floor.eps() * 1000) / 1000.0);
        out.put("per_user_over_floor", Math.round(perUser.eps() / floor.eps() * 1000) / 1000.0);
        out.put("ratio", Math.round(pipeline.eps() / raw * 1000) / 1000.0);
        out.put("p50_ms", latency.p50());
        out.put("p99_ms", latency.p99());
        out.put("p999_ms", latency.p999());
        out.put("latency_rate_eps", Math.round(latency.rate()));
        out.put("latency_samples", latency.samples());
        PortraitConfig used = defaults.with(portraitSettings());
        out.put("flush_interval", used.flushInterval().toString());
        out.put("flush_max_interval", used.flushMaxInterval().toString());
        out.put("out_of_orderness", used.outOfOrderness().toString());
        out.put("redis_flush_interval", used.redisFlushInterval().toString());
        out.set("settings", JSON.valueToTree(settings));
        out.put("repeats", Integer.parseInt(settings.getOrDefault(REPEATS, "3")));
        out.put("state_bytes_per_user", savepointBytesPerUser);
        out.put(
                "checkpoint_bytes_per_user",
                perUser.profiles() == 0 ? 0 : perUser.stateBytes() / perUser.profiles());
        out.put("checkpoint_ms", pipeline.checkpointMillis());
        out.put("checkpoint_bytes", pipeline.checkpointBytes());
        out.put(
                "stages",
                "floor: Kafka source + the job's parser, keyBy, one ValueState<byte[]> read and"
                        + " written per event, discarding sink; spine: the user operator with"
                        + " dedup, data quality and core features, Redis; per_user: every per-user"
                        + " module (+ LSTM via ONNX Runtime batched at flush, segments and the"
                        + " centroid loop, keyed detectors, dynamic rules, suppression, risk, CEP"
                        + " chained behind with its loop topic), recommendations off; pipeline:"
                        + " per_user + item-item recommendations; medians of alternating runs");
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
        Path results = Path.of("bench/results");
        Files.createDirectories(results);
        Files.writeString(results.resolve("latest.json"), text);
        Files.writeString(
                results.resolve("e2e-" + Instant.now().toString().substring(0, 10) + ".json"),
                text);

        System.out.println();
        System.out.printf("| measure | value | target |%n| --- | --- | --- |%n");
        System.out.printf("| events / users | %d / %d | |%n", events, users);
        System.out.printf("| raw read + JSON parse | %.0f events/s | |%n", raw);
        System.out.printf(
                "| floor, RocksDB (%d B of state per user) | %.0f events/s, %.1f µs CPU/event | |%n",
                floorBytes, floor.eps(), floor.cpuMicrosPerRecord());
        System.out.printf(
                "| floor, heap | %.0f events/s, %.1f µs CPU/event | |%n",
                heapFloor.eps(), heapFloor.cpuMicrosPerRecord());
        System.out.printf(
                "| spine (dedup, quality, core, Redis) | %.0f events/s (%.2f × floor), %.1f µs CPU/event | ≥ 0.65 × floor |%n",
                spine.eps(), spine.eps() / floor.eps(), spine.cpuMicrosPerRecord());
        System.out.printf(
                "| every per-user module (recommendations off) | %.0f events/s (%.2f × floor), %.1f µs CPU/event | ≥ 0.35 × floor |%n",
                perUser.eps(), perUser.eps() / floor.eps(), perUser.cpuMicrosPerRecord());
        System.out.printf(
                "| pipeline (every stage, recommendations on) | %.0f events/s, %.1f µs CPU/event | |%n",
                pipeline.eps(), pipeline.cpuMicrosPerRecord());
        System.out.printf(
                "| renders ÷ events, Redis writes ÷ events (per-user run) | %.3f, %.3f | |%n",
                perEvent(perUser.renders(), events), perEvent(perUser.redisWrites(), events));
        System.out.printf(
                "| send → Redis at %.0f events/s (flush %s..%s, out-of-orderness %s, Redis flush %s) | p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms (%d samples) | p99 ≤ 200 ms |%n",
                latency.rate(),
                used.flushInterval(),
                used.flushMaxInterval(),
                used.outOfOrderness(),
                used.redisFlushInterval(),
                latency.p50(),
                latency.p99(),
                latency.p999(),
                latency.samples());
        System.out.printf(
                "| last checkpoint (pipeline) | %d ms, %d B incremental, %d B full | |%n",
                pipeline.checkpointMillis(), pipeline.checkpointBytes(), pipeline.stateBytes());
        System.out.printf(
                "| state per user (canonical savepoint ÷ profiles, per-user job) | %d B | ≤ 2 048 B |%n",
                savepointBytesPerUser);
        System.out.printf(
                "| full checkpoint ÷ profiles (per-user run: materialised RocksDB files and log) | %d B | |%n",
                perUser.profiles() == 0 ? 0 : perUser.stateBytes() / perUser.profiles());
    }

    static String git() {
        try {
            Process p =
                    new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                            .redirectErrorStream(true)
                            .start();
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }
}
