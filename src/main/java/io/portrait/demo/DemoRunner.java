package io.portrait.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.PortraitJob;
import io.portrait.api.ApiServer;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisAddress;
import io.portrait.config.RedisKeys;
import io.portrait.replay.Replay;
import io.portrait.replay.Replayer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Everything on one machine: a Kafka broker and a Redis server (unless external ones are given),
 * the portrait job on a Flink MiniCluster with RocksDB and checkpoints, and a traffic generator or
 * a replayed file. Ends with the {@code summary:} line, counted from the sinks after the job has
 * drained.
 */
public final class DemoRunner {

    /** What the demo should do; validated by the CLI. */
    public record Options(
            Duration duration,
            Long events,
            int users,
            long seed,
            double rate,
            Path replay,
            io.portrait.replay.ReplayFormat format,
            double speed,
            boolean untilIdle,
            Path alertsOut,
            String redisUrl,
            String kafkaBootstrap,
            int parallelism,
            Duration checkpointInterval,
            int apiPort,
            Map<String, String> settings) {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Options options;
    private final PrintWriter out;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final Map<String, Long> truth = new HashMap<>();
    private int botUsers;

    public DemoRunner(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    /** Asks a running demo to end as if its duration were over (Ctrl-C). */
    public void requestStop() {
        stopRequested.set(true);
    }

    public Summary run() throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        Path work = Files.createTempDirectory("portrait-demo-");
        try {
            String bootstrap = options.kafkaBootstrap();
            if (bootstrap == null) {
                EmbeddedKafka kafka = EmbeddedKafka.start();
                resources.add(0, kafka);
                bootstrap = kafka.bootstrapServers();
            }
            String redisUrl = options.redisUrl();
            String redisOrigin = "external";
            if (redisUrl == null) {
                RedisServerProcess redis = RedisServerProcess.start();
                resources.add(0, redis);
                redisUrl = redis.url();
                redisOrigin = redis.executablePath();
            }
            Map<String, String> settings = new HashMap<>(options.settings());
            settings.put("portrait.kafka.bootstrap-servers", bootstrap);
            settings.put("portrait.redis.url", redisUrl);
            PortraitConfig config = PortraitConfig.defaults().with(settings);
            createTopics(config);

            RedisAddress redis = RedisAddress.parse(redisUrl, "--redis-url");
            out.println("portrait demo");
            out.println(
                    "  kafka:     "
                            + bootstrap
                            + (options.kafkaBootstrap() == null
                                    ? " (in-process KRaft broker)"
                                    : ""));
            out.println(
                    "  topics:    "
                            + config.eventsTopic()
                            + " → "
                            + config.dlqTopic()
                            + ", "
                            + config.controlTopic());
            out.println("  redis:     " + redis + " (" + redisOrigin + ")");
            String user = options.replay() == null ? TrafficGenerator.userId(1) : "<user_id>";
            out.println(
                    "  read one:  redis-cli -p "
                            + redis.port()
                            + " GET "
                            + RedisKeys.profile(user));
            out.println("             ./portrait profile get " + user + " --redis-url " + redis);

            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(
                            LocalFlink.configuration(
                                    work, options.checkpointInterval(), options.parallelism()));
            PortraitJob.attach(env, config, Clock.systemUTC());
            JobClient job = env.executeAsync(PortraitJob.JOB_NAME);
            out.println(
                    "  flink:     job "
                            + job.getJobID()
                            + " on a local MiniCluster (RocksDB, exactly-once, checkpoints every "
                            + options.checkpointInterval().toSeconds()
                            + " s)");

            if (options.apiPort() >= 0) {
                ApiServer api = startApi(config);
                resources.add(0, api);
                out.println(
                        "  api:       http://localhost:"
                                + api.port()
                                + "/ (dashboard; no token: demo only)");
                out.println(
                        "             curl http://localhost:"
                                + api.port()
                                + "/profiles/"
                                + (options.replay() == null
                                        ? TrafficGenerator.userId(1)
                                        : "<user_id>"));
            }

            AlertsTail alerts = null;
            if (options.alertsOut() != null) {
                alerts = new AlertsTail(bootstrap, config.alertsTopic(), options.alertsOut());
                alerts.start();
            }
            produce(config);
            if (!stopRequested.get()) {
                out.println(
                        "input complete: "
                                + sent.get()
                                + " records sent; waiting until the job is idle");
            }
            awaitConsumed(config, Duration.ofMinutes(5));
            out.println("draining the job (stop with savepoint, end of event time)");
            job.stopWithSavepoint(
                            true,
                            work.resolve("savepoints").toUri().toString(),
                            SavepointFormatType.CANONICAL)
                    .get(5, TimeUnit.MINUTES);
            if (alerts != null) {
                alerts.close();
            }
            if (options.replay() == null) {
                out.println("generator: " + describeTruth());
            }
            Summary summary =
                    Summary.collect(
                            bootstrap,
                            config.eventsTopic(),
                            config.dlqTopic(),
                            config.alertsTopic(),
                            redis);
            out.println(summary.line());
            return summary;
        } finally {
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    out.println("warning: could not stop " + r + ": " + e);
                }
            }
            EmbeddedKafka.deleteQuietly(work);
        }
    }

    /** The read API on localhost without a token: the demo is the one place that runs so. */
    private ApiServer startApi(PortraitConfig config) {
        ApiServer api = ApiServer.over(config, null, true);
        try {
            api.start("127.0.0.1", options.apiPort());
        } catch (RuntimeException e) {
            api.close();
            throw new IllegalArgumentException(
                    "Cannot serve the API on port "
                            + options.apiPort()
                            + " ("
                            + e.getMessage()
                            + "): pass --api-port N (0 = any free port, -1 = no API).",
                    e);
        }
        return api;
    }

    private String describeTruth() {
        return "sent="
                + sent.get()
                + " valid="
                + truth.getOrDefault("VALID", 0L)
                + " duplicates="
                + truth.getOrDefault("DUPLICATE", 0L)
                + " malformed="
                + truth.getOrDefault("MALFORMED", 0L)
                + " bot_users="
                + botUsers;
    }

    private void createTopics(PortraitConfig config) {
        EmbeddedKafka.createPortraitTopics(config, 2, (short) 1);
    }

    private void produce(PortraitConfig config) throws InterruptedException {
        long limit = options.events() == null ? Long.MAX_VALUE : options.events();
        if (options.replay() != null) {
            try (Replay replay = Replay.open(options.replay(), options.format());
                    Replayer.Target kafka =
                            Replayer.kafka(config.kafkaBootstrap(), config.eventsTopic())) {
                long deadline =
                        options.duration() == null
                                ? Long.MAX_VALUE
                                : System.nanoTime() + options.duration().toNanos();
                sent.addAndGet(
                        Replayer.run(
                                replay,
                                kafka,
                                options.speed(),
                                limit,
                                () -> stopRequested.get() || System.nanoTime() > deadline,
                                out));
            }
        } else {
            generate(config, limit);
        }
        if (options.untilIdle() || options.duration() != null || stopRequested.get()) {
            return;
        }
        // Neither a duration nor --until-idle: keep the job running until Ctrl-C.
        out.println("all input sent; the job keeps running until Ctrl-C");
        while (!stopRequested.get()) {
            Thread.sleep(200);
        }
    }

    private void generate(PortraitConfig config, long limit) throws InterruptedException {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        long deadline =
                options.duration() == null
                        ? Long.MAX_VALUE
                        : System.nanoTime() + options.duration().toNanos();
        double rate = options.rate();
        long started = System.nanoTime();
        long lastReport = started;
        TrafficGenerator gen = TrafficGenerator.live(options.seed(), options.users());
        botUsers = gen.botUserIds().size();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            io.portrait.replay.Delivery delivery =
                    new io.portrait.replay.Delivery(config.eventsTopic());
            while (!stopRequested.get() && System.nanoTime() < deadline && sent.get() < limit) {
                TrafficGenerator.Record r = gen.next();
                producer.send(
                        new ProducerRecord<>(config.eventsTopic(), r.key(), r.value()), delivery);
                truth.merge(r.kind().name(), 1L, Long::sum);
                long n = sent.incrementAndGet();
                if (rate > 0) {
                    long due = started + (long) (n * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        producer.flush();
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                if (System.nanoTime() - lastReport > 10_000_000_000L) {
                    lastReport = System.nanoTime();
                    long[] p =
                            Summary.profileTotals(RedisAddress.parse(config.redisUrl(), "redis"));
                    out.println("progress: sent=" + n + " profiles=" + p[0] + " accepted=" + p[1]);
                }
            }
            producer.flush();
            delivery.check();
        }
    }

    /**
     * Waits for the fixpoint of the contract ("Idle"): the job's committed offsets (committed on
     * checkpoints) have reached the end of the events topic, and its loop topic (CEP's matches read
     * back) is quiet — neither its end offsets nor the job's committed offsets on it moved, and the
     * job has read to its end (a transaction's commit marker aside), over two checks a checkpoint
     * interval apart. A loop topic is never bounded at the offsets of the start: what a flush sent
     * around the loop has come back before the drain.
     */
    private void awaitConsumed(PortraitConfig config, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = Math.max(250, options.checkpointInterval().toMillis() + 250);
        String loop = config.anomaly().enabled() ? config.alertsCepTopic() : null;
        String loopGroup = config.kafkaGroupId() + "-alerts-cep";
        try (Admin admin = Summary.admin(config.kafkaBootstrap())) {
            List<Map<TopicPartition, Long>> previous = null;
            int quiet = 0;
            while (System.nanoTime() < deadline) {
                String events = config.eventsTopic();
                if (!readToEnd(
                        ends(admin, events), committed(admin, events, config.kafkaGroupId()), 0)) {
                    previous = null;
                    quiet = 0;
                    Thread.sleep(250);
                    continue;
                }
                if (loop == null) {
                    return;
                }
                List<Map<TopicPartition, Long>> now =
                        List.of(ends(admin, loop), committed(admin, loop, loopGroup));
                // 1: the commit marker a transactional sink writes after its last record.
                boolean done = readToEnd(now.get(0), now.get(1), 1);
                quiet = done && now.equals(previous) ? quiet + 1 : 0;
                if (quiet >= 2) {
                    return;
                }
                previous = now;
                Thread.sleep(pause);
            }
        }
        out.println(
                "warning: the job did not consume all input within "
                        + timeout
                        + "; stopping anyway");
    }

    /** Whether every partition's committed offset is within {@code slack} of its end. */
    private static boolean readToEnd(
            Map<TopicPartition, Long> ends, Map<TopicPartition, Long> committed, long slack) {
        return ends.entrySet().stream()
                .allMatch(e -> committed.getOrDefault(e.getKey(), 0L) + slack >= e.getValue());
    }

    private static Map<TopicPartition, Long> ends(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Summary.partitions(admin, topic).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, r) -> ends.put(tp, r.offset()));
        return ends;
    }

    /** {@code group}'s committed offsets on {@code topic} (Flink commits them on checkpoints). */
    private static Map<TopicPartition, Long> committed(Admin admin, String topic, String group)
            throws Exception {
        Map<TopicPartition, Long> committed = new HashMap<>();
        admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get()
                .forEach(
                        (tp, c) -> {
                            if (tp.topic().equals(topic) && c != null) {
                                committed.put(tp, c.offset());
                            }
                        });
        return committed;
    }

    /** Appends every alert to a file as one JSON line (--alerts-out). */
    static final class AlertsTail extends Thread implements AutoCloseable {
        private final String bootstrap;
        private final String topic;
        private final Path file;
        private volatile boolean running = true;

        AlertsTail(String bootstrap, String topic, Path file) {
            super("alerts-tail");
            setDaemon(true);
            this.bootstrap = bootstrap;
            this.topic = topic;
            this.file = file;
        }

        @Override
        public void run() {
            try (KafkaConsumer<byte[], byte[]> consumer = Summary.consumer(bootstrap);
                    Writer w =
                            Files.newBufferedWriter(
                                    file,
                                    StandardCharsets.UTF_8,
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.APPEND)) {
                // No consumer group: read every partition from the beginning.
                List<org.apache.kafka.common.TopicPartition> parts;
                try (var admin = Summary.admin(bootstrap)) {
                    parts = Summary.partitions(admin, topic);
                }
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                while (running) {
                    for (var r : consumer.poll(Duration.ofMillis(200))) {
                        w.write(new String(r.value(), StandardCharsets.UTF_8));
                        w.write('\n');
                    }
                    w.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("Cannot tail " + topic, e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            join(5000);
        }
    }
}
