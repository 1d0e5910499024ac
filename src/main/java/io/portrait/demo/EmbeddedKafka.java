package io.portrait.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM,
 * started from the Kafka jars — no Docker. The log directory is formatted with Kafka's own
 * StorageTool first, as {@code kafka-storage.sh format} would. Used by {@code portrait demo} and by
 * the integration tests; listens on ephemeral loopback ports.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final Properties props;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dir, int port, Properties props, KafkaRaftServer server) {
        this.dir = dir;
        this.port = port;
        this.props = props;
        this.server = server;
    }

    public static EmbeddedKafka start() {
        return start(null);
    }

    /**
     * A broker whose client listener requires SASL/PLAIN (user {@value #SASL_USER} with {@code
     * password}); the controller listener stays plaintext. For tests of the client security
     * settings ({@code portrait.kafka.properties-file}).
     */
    public static EmbeddedKafka startWithSasl(String password) {
        return start(password);
    }

    public static final String SASL_USER = "portrait";

    private static EmbeddedKafka start(String saslPassword) {
        try {
            Path dir = Files.createTempDirectory("portrait-kafka-");
            int port = FreePorts.next();
            int controllerPort = FreePorts.next();
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put(
                    "listeners",
                    "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            if (saslPassword != null) {
                String listener = "SASL_PLAINTEXT://127.0.0.1:" + port;
                p.put("listeners", listener + ",CONTROLLER://127.0.0.1:" + controllerPort);
                p.put("advertised.listeners", listener);
                p.put(
                        "listener.security.protocol.map",
                        "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
                p.put("inter.broker.listener.name", "SASL_PLAINTEXT");
                p.put("sasl.enabled.mechanisms", "PLAIN");
                p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
                p.put(
                        "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=\"broker\" password=\"broker-secret\""
                                + " user_broker=\"broker-secret\" user_"
                                + SASL_USER
                                + "=\""
                                + saslPassword
                                + "\";");
            }
            p.put("log.dirs", dir.resolve("logs").toString());
            p.put("num.partitions", "2");
            p.put("auto.create.topics.enable", "false");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "2");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "2");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("log.retention.hours", "-1");
            p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
            Path propsFile = dir.resolve("server.properties");
            try (var w = Files.newBufferedWriter(propsFile)) {
                p.store(w, "portrait embedded broker");
            }
            format(propsFile);
            KafkaRaftServer server =
                    new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dir, port, p, server);
            kafka.awaitReady(Duration.ofSeconds(60));
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void format(Path propsFile) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            rc =
                    kafka.tools.StorageTool.execute(
                            new String[] {
                                "format",
                                "-t",
                                Uuid.randomUuid().toString(),
                                "-c",
                                propsFile.toString()
                            },
                            out);
        }
        if (rc != 0) {
            throw new IllegalStateException(
                    "Formatting the Kafka log directory failed: "
                            + buf.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                if (!admin.describeCluster().nodes().get().isEmpty()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | RuntimeException e) {
                last = new IllegalStateException(e);
            }
            sleep(200);
        }
        throw new IllegalStateException("Kafka broker did not become ready in " + timeout, last);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        if (props.containsKey("sasl.enabled.mechanisms")) {
            // The broker's own account, for readiness checks.
            p.put("security.protocol", "SASL_PLAINTEXT");
            p.put("sasl.mechanism", "PLAIN");
            p.put(
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required"
                            + " username=\"broker\" password=\"broker-secret\";");
        }
        return Admin.create(p);
    }

    /**
     * Creates portrait's topics on {@code config}'s cluster (existing ones are left as they are):
     * events with {@code partitions}, DLQ, alerts, the CEP loop, changes, the compacted control
     * topic and its DLQ.
     */
    public static void createPortraitTopics(
            io.portrait.config.PortraitConfig config, int partitions, short replication) {
        createTopics(
                config.kafkaClientProperties(),
                List.of(
                        new NewTopic(config.eventsTopic(), partitions, replication),
                        new NewTopic(config.dlqTopic(), 1, replication),
                        new NewTopic(config.alertsTopic(), 1, replication),
                        new NewTopic(config.alertsCepTopic(), 1, replication),
                        new NewTopic(config.changesTopic(), 1, replication),
                        new NewTopic(config.controlTopic(), 1, replication)
                                .configs(java.util.Map.of("cleanup.policy", "compact")),
                        new NewTopic(config.controlDlqTopic(), 1, replication)));
    }

    /**
     * Creates topics, leaving existing ones as they are, and returns once every partition answers
     * as leader. (A topic's creation is acknowledged before its partition leaders are in place; a
     * producer that writes at once gets NOT_LEADER_OR_FOLLOWER, and an idempotent producer can then
     * expire its first batch.)
     */
    public static void createTopics(String bootstrap, List<NewTopic> topics) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        createTopics(p, topics);
    }

    /** As {@link #createTopics(String, List)}, with Kafka client settings (security included). */
    public static void createTopics(Properties client, List<NewTopic> topics) {
        try (Admin admin = Admin.create(client)) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "Could not create topic " + entry.getKey() + ": " + e.getCause(),
                                e);
                    }
                }
            }
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits (up to 30 s) until a ListOffsets request succeeds on every partition of the topics. */
    static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<org.apache.kafka.common.TopicPartition, OffsetSpec> query = new HashMap<>();
                for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
                    for (var p : d.partitions()) {
                        query.put(
                                new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
                                OffsetSpec.latest());
                    }
                }
                admin.listOffsets(query).all().get();
                return;
            } catch (ExecutionException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Partitions of " + topics + " got no leader in 30 s", last);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Shuts the broker down, keeping its log directory and ports (fault tests; see {@link
     * #restart}).
     */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the broker again on the same port and log directory after {@link #stop}. */
    public synchronized void restart() {
        stop();
        server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        awaitReady(Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            deleteQuietly(dir);
        }
    }

    static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // Temporary files only; the OS cleans /tmp eventually.
        }
    }
}
