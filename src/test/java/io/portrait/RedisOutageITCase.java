package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.config.Topics;
import io.portrait.demo.Summary;
import io.portrait.demo.TrafficGenerator;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.JobInspection;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.ProfileSchema;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Redis frozen for 12 s in the middle of the stream: the sink blocks and back-pressures, the job
 * keeps running, and once Redis answers again every user's profile is exact — nothing lost, nothing
 * counted twice.
 */
class RedisOutageITCase extends PortraitITCase {

    @Test
    void anOutageBackPressuresAndLosesNothing(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        PortraitConfig config = services.config(Map.of("portrait.flush.interval", "200 ms"));
        long now = System.currentTimeMillis();
        AtomicLong clock = new AtomicLong(now - Duration.ofHours(2).toMillis());
        TrafficGenerator gen = new TrafficGenerator(99, 1_000, () -> clock.addAndGet(200), 0, 0.02);
        Map<String, Long> expected = new HashMap<>();

        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-redis-outage-it");
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (int phase = 0; phase < 3; phase++) {
                for (int i = 0; i < 10_000; i++) {
                    TrafficGenerator.Record r = gen.next();
                    if (r.kind() == TrafficGenerator.Kind.VALID) {
                        expected.merge(r.userId(), 1L, Long::sum);
                    }
                    producer.send(new ProducerRecord<>(Topics.EVENTS, r.key(), r.value()));
                }
                producer.flush();
                if (phase == 0) {
                    await().atMost(Duration.ofMinutes(1))
                            .until(() -> Summary.profileTotals(services.redis.address())[0] > 100);
                    services.redis.pause();
                }
                if (phase == 1) {
                    Thread.sleep(
                            12_000); // longer than the sink's 10 s socket timeout: the retry path
                    // runs
                    assertThat(job.getJobStatus().get())
                            .as("still running during the outage")
                            .isEqualTo(JobStatus.RUNNING);
                    services.redis.resume();
                }
            }
            long valid = expected.values().stream().mapToLong(Long::longValue).sum();
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(
                            () ->
                                    assertThat(Summary.profileTotals(services.redis.address())[1])
                                            .isEqualTo(valid));
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            assertThat(JobInspection.maxAttempt(cluster, job.getJobID()))
                    .as("the outage was ridden out by the sink, not by a restart")
                    .isZero();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    JobInspection.metricSum(
                                                            cluster,
                                                            job.getJobID(),
                                                            "redisRetries"))
                                            .as("the sink's retry path ran")
                                            .isPositive());
            try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
                for (var e : expected.entrySet()) {
                    var doc = ProfileSchema.assertValid(j.get(RedisKeys.profile(e.getKey())));
                    assertThat(doc.get("counts").get("total").asLong())
                            .as(e.getKey())
                            .isEqualTo(e.getValue());
                }
            }
        } finally {
            job.cancel().get();
        }
    }
}
