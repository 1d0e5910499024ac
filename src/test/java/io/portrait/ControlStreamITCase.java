package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.config.Topics;
import io.portrait.demo.Summary;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.PortraitITCase;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The control stream must not hold back event time. The job runs unbounded against a live control
 * topic that holds one invalid and one valid record and then stays silent. Event-time timers
 * downstream of the control join must still fire: the de-duplication horizon (10 s here) expires an
 * event id only through an event-time timer, so a re-sent event is counted again only if the
 * watermark got past it. Bounded test inputs (which end with a MAX watermark) would hide this bug.
 */
class ControlStreamITCase extends PortraitITCase {

    static String event(String id, String user, long ts) {
        return eventJson(id, user, "view", ts);
    }

    static long total(String user) throws Exception {
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
            String doc = j.get(RedisKeys.profile(user));
            return doc == null
                    ? 0
                    : new ObjectMapper().readTree(doc).get("counts").get("total").asLong();
        }
    }

    @Test
    void eventTimeTimersFireWhileTheControlTopicIsIdle() throws Exception {
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.dedup.horizon", "10 s",
                                "portrait.dedup.cleanup-interval", "1 s",
                                "portrait.ingest.idleness", "2 s",
                                "portrait.profile.coalesce-interval", "100 ms"));
        long t0 = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        try (KafkaProducer<byte[], byte[]> p = services.producer()) {
            send(p, Topics.CONTROL, "setting:profile.coalesce-interval", "{not json");
            send(
                    p,
                    Topics.CONTROL,
                    "setting:profile.coalesce-interval",
                    "{\"kind\":\"setting\",\"id\":\"profile.coalesce-interval\",\"version\":1,"
                            + "\"payload\":{\"value\":\"50 ms\"}}");
            // Phase 1: the probe event, then a minute of traffic on both partitions.
            send(p, Topics.EVENTS, "probe", event("probe-1", "probe", t0));
            for (int i = 1; i <= 60; i++) {
                String user = "filler-" + (i % 8);
                send(p, Topics.EVENTS, user, event("f-" + i, user, t0 + i * 1000L));
            }
            p.flush();
        }

        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-control-it");
        try {
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(Summary.profileTotals(services.redis.address())[1])
                                            .isEqualTo(61));
            assertThat(total("probe")).isEqualTo(1);
            // Give the periodic watermark time to reach the keyed operators (200 ms cadence).
            Thread.sleep(3000);

            // Phase 2: the same probe event again, 60 s of event time after it.
            try (KafkaProducer<byte[], byte[]> p = services.producer()) {
                send(p, Topics.EVENTS, "probe", event("probe-1", "probe", t0));
                send(p, Topics.EVENTS, "probe", event("probe-2", "probe", t0 + 61_000));
                p.flush();
            }
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () ->
                                    assertThat(total("probe"))
                                            .as(
                                                    "the id expired through an event-time timer, so the"
                                                            + " re-sent event counts again")
                                            .isEqualTo(3));

            List<ConsumerRecord<byte[], byte[]>> controlDlq =
                    Summary.readAll(config.kafkaBootstrap(), Topics.CONTROL_DLQ);
            assertThat(controlDlq).hasSize(1);
            JsonNode bad = new ObjectMapper().readTree(controlDlq.get(0).value());
            assertThat(bad.get("reason").asText()).isEqualTo("invalid_control");
            assertThat(bad.get("source").get("topic").asText()).isEqualTo(Topics.CONTROL);
        } finally {
            job.cancel().get();
        }
    }
}
