package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.Summary;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.JobInspection;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.RunCheck;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Exactly-once under a TaskManager failure. The same labelled workload (~50 000 events with
 * duplicates and malformed records) runs once without faults and once with the only TaskManager
 * terminated right after the first completed checkpoint and a new one started, so the restore
 * replays most of the stream. Afterwards every user's counts.total equals the distinct valid events
 * sent, and the alert ids on portrait.alerts are the same set as the run without faults.
 */
class FailoverITCase extends PortraitITCase {

    @Test
    void aTaskManagerLostMidStreamLosesNothingAndCountsNothingTwice(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        RunCheck.Workload work = RunCheck.scenarioWorkload(50_000, 11);

        TreeSet<String> reference = run("calm", work, null, cluster);
        assertThat(reference).as("the workload must raise alerts").hasSizeGreaterThan(50);

        TreeSet<String> faulty = run("faulty", work, cluster, cluster);
        assertThat(faulty).isEqualTo(reference);
    }

    /** Runs the job over the workload on fresh topics; returns the alert ids it published. */
    private TreeSet<String> run(
            String name, RunCheck.Workload work, MiniCluster killIn, MiniCluster cluster)
            throws Exception {
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.topics.events", name + ".events",
                                "portrait.topics.dlq", name + ".dlq",
                                "portrait.topics.alerts", name + ".alerts",
                                "portrait.topics.changes", name + ".changes",
                                "portrait.topics.control", name + ".control",
                                "portrait.topics.control-dlq", name + ".control-dlq",
                                "portrait.flush.interval", "200 ms"));
        EmbeddedKafka.createPortraitTopics(config, 2, (short) 1);
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
            j.flushAll();
        }
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (RunCheck.Input r : work.records()) {
                producer.send(
                        new ProducerRecord<>(
                                config.eventsTopic(),
                                r.key().getBytes(StandardCharsets.UTF_8),
                                r.value()));
            }
            producer.flush();
        }
        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-failover-" + name);
        long killedAt = 0;
        try {
            if (killIn != null) {
                // Right after the first checkpoint completes (its _metadata file is the last
                // thing written): the restore then replays most of the stream from checkpoint 1.
                java.nio.file.Path metadata =
                        WORK.resolve("checkpoints")
                                .resolve(job.getJobID().toString())
                                .resolve("chk-1")
                                .resolve("_metadata");
                await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> java.nio.file.Files.exists(metadata));
                killIn.terminateTaskManager(0).get();
                long countedAtKill = Summary.profileTotals(services.redis.address())[1];
                killIn.startTaskManager();
                killedAt = System.nanoTime();
                assertThat(countedAtKill)
                        .as("the TaskManager was lost mid-stream, not after the work was done")
                        .isLessThan(work.validEvents());
            }
            // Until every event is counted, or the sum has not moved for 30 s (then the
            // comparison below names the users that differ).
            AtomicLong sum = new AtomicLong(-1);
            long[] completed = {0};
            AtomicLong since = new AtomicLong(System.nanoTime());
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(
                            () -> {
                                long n = Summary.profileTotals(services.redis.address())[1];
                                if (n != sum.getAndSet(n)) {
                                    since.set(System.nanoTime());
                                }
                                if (n == work.validEvents()) {
                                    completed[0] = System.nanoTime();
                                }
                                return n == work.validEvents()
                                        || System.nanoTime() - since.get() > 30e9;
                            });
            System.out.printf(
                    "failover (%s): job %s, counted %d of %d%s%n",
                    name,
                    job.getJobStatus().get(),
                    sum.get(),
                    work.validEvents(),
                    killedAt == 0 || completed[0] == 0
                            ? ""
                            : String.format(
                                    ", all counted %.1f s after the TaskManager was lost",
                                    (completed[0] - killedAt) / 1e9));
            int attempt = JobInspection.maxAttempt(cluster, job.getJobID());
            if (killIn == null) {
                assertThat(attempt).as("no task of the calm run was restarted").isZero();
            } else {
                assertThat(attempt)
                        .as("the tasks ran again after the TaskManager was lost")
                        .isGreaterThanOrEqualTo(1);
            }
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(3))
                    .until(
                            () -> {
                                long n =
                                        Summary.recordsIn(
                                                config.kafkaBootstrap(), config.alertsTopic());
                                return n == last.getAndSet(n);
                            });
        } finally {
            job.cancel().get();
        }
        var wrong = RunCheck.countMismatches(services.redis.address(), work.expectedTotals());
        assertThat(wrong)
                .as("users whose counts.total is not the distinct valid events sent (%s run)", name)
                .isEmpty();
        TreeSet<String> ids = RunCheck.alertIds(config.kafkaBootstrap(), config.alertsTopic());
        System.out.printf(
                "failover (%s): %d records, %d valid events, %d users, %d alert ids, %d alert"
                        + " records%n",
                name,
                work.records().size(),
                work.validEvents(),
                work.expectedTotals().size(),
                ids.size(),
                Summary.recordsIn(config.kafkaBootstrap(), config.alertsTopic()));
        return ids;
    }
}
