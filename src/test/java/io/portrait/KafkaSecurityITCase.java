package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.RedisServerProcess;
import io.portrait.demo.Summary;
import io.portrait.replay.Replayed;
import io.portrait.replay.Replayer;
import io.portrait.testing.RunCheck;
import io.portrait.testing.TestClusters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a broker that requires SASL/PLAIN: its sources and sinks, topic creation and the
 * replay producer all take their security settings from {@code portrait.kafka.properties-file};
 * without it the broker turns the client away.
 */
class KafkaSecurityITCase {
    static final Path WORK = TestClusters.workDir();
    static final String PASSWORD = "s3cret-" + System.nanoTime();

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(WORK);

    static EmbeddedKafka kafka;
    static RedisServerProcess redis;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startWithSasl(PASSWORD);
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
        kafka.close();
    }

    @Test
    void theJobReadsAndWritesThroughSasl() throws Exception {
        Path props = WORK.resolve("kafka-client.properties");
        Files.writeString(
                props,
                "security.protocol=SASL_PLAINTEXT\n"
                        + "sasl.mechanism=PLAIN\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required username=\\\""
                        + EmbeddedKafka.SASL_USER
                        + "\\\" password=\\\""
                        + PASSWORD
                        + "\\\";\n");
        PortraitConfig config =
                PortraitConfig.defaults()
                        .with(
                                Map.of(
                                        "portrait.kafka.bootstrap-servers",
                                                kafka.bootstrapServers(),
                                        "portrait.kafka.properties-file", props.toString(),
                                        "portrait.redis.url", redis.url(),
                                        "portrait.flush.interval", "100 ms"));

        // Without the settings the broker refuses the client.
        try (Admin plain =
                Admin.create(
                        Map.of(
                                "bootstrap.servers", kafka.bootstrapServers(),
                                "request.timeout.ms", 3000,
                                "default.api.timeout.ms", 5000))) {
            assertThatThrownBy(() -> plain.listTopics().names().get())
                    .as("a client without SASL never gets an answer")
                    .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }
        // With SASL but a wrong password the broker refuses the login itself.
        try (Admin wrong =
                Admin.create(
                        Map.of(
                                "bootstrap.servers",
                                kafka.bootstrapServers(),
                                "security.protocol",
                                "SASL_PLAINTEXT",
                                "sasl.mechanism",
                                "PLAIN",
                                "sasl.jaas.config",
                                "org.apache.kafka.common.security.plain.PlainLoginModule"
                                        + " required username=\""
                                        + EmbeddedKafka.SASL_USER
                                        + "\" password=\"not-the-password\";",
                                "request.timeout.ms",
                                3000,
                                "default.api.timeout.ms",
                                5000))) {
            assertThatThrownBy(() -> wrong.listTopics().names().get())
                    .hasRootCauseInstanceOf(
                            org.apache.kafka.common.errors.SaslAuthenticationException.class);
        }

        EmbeddedKafka.createPortraitTopics(config, 2, (short) 1);
        RunCheck.Workload work = RunCheck.scenarioWorkload(2_000, 3);
        try (Replayer.Target target =
                Replayer.kafka(
                        kafka.bootstrapServers(),
                        config.eventsTopic(),
                        io.portrait.config.KafkaClientProperties.load(props.toString()))) {
            for (RunCheck.Input r : work.records()) {
                target.send(new Replayed(r.key(), r.value(), Long.MIN_VALUE));
            }
        }

        StreamExecutionEnvironment env = TestClusters.environment(WORK);
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-sasl");
        try {
            long[] seen = {0, 0};
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .alias("all valid events counted")
                    .until(
                            () -> {
                                seen[0] = Summary.profileTotals(redis.address())[1];
                                seen[1] = dlqRecords(config);
                                System.out.printf(
                                        "sasl: counted %d of %d, DLQ %d%n",
                                        seen[0], work.validEvents(), seen[1]);
                                return seen[0] == work.validEvents();
                            });
            assertThat(RunCheck.countMismatches(redis.address(), work.expectedTotals())).isEmpty();
            // The DLQ sink wrote through SASL too: the malformed records are there.
            long malformed = malformed(work);
            assertThat(malformed).isPositive();
            await().atMost(Duration.ofMinutes(1)).until(() -> dlqRecords(config) >= malformed);
        } finally {
            job.cancel().get();
        }
    }

    /** Records that are neither a valid event nor a repeat of one (the truncated ones). */
    private static long malformed(RunCheck.Workload work) {
        java.util.Set<String> valid = new java.util.HashSet<>();
        for (RunCheck.Input r : work.records()) {
            if (r.valid()) {
                valid.add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return work.records().stream()
                .filter(r -> !r.valid())
                .filter(r -> !valid.contains(new String(r.value(), StandardCharsets.UTF_8)))
                .count();
    }

    private static long dlqRecords(PortraitConfig config) {
        try {
            return Summary.recordsIn(config.kafkaClientProperties(), config.dlqTopic());
        } catch (RuntimeException notYet) {
            return -1;
        }
    }
}
