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
 * Loop and control inputs must not hold back event time. The job runs unbounded against a live
 * control topic that holds one invalid and one valid record and then stays silent, and a CEP loop
 * topic ({@code portrait.alerts.cep}) that is empty until CEP writes to it. Event-time timers of
 * the user operator must still fire: a silent user's silence updates (every 10 s of event time
 * here) come only from its timer, so its document reaches revision 4 only if the watermark got past
 * them. CEP must fire too, and its match must come back through the loop to portrait.alerts.
 * Bounded test inputs (which end with a MAX watermark) would hide this bug.
 */
class ControlStreamITCase extends PortraitITCase {

    static String event(String id, String user, long ts) {
        return eventJson(id, user, "view", ts);
    }

    /** One view a second of eight filler users, seconds {@code from} to {@code to} after t0. */
    static void fillers(KafkaProducer<byte[], byte[]> p, long t0, int from, int to)
            throws Exception {
        for (int i = from; i <= to; i++) {
            String user = "filler-" + (i % 8);
            send(p, Topics.EVENTS, user, event("f-" + i, user, t0 + i * 1000L));
        }
    }

    static JsonNode doc(String user) throws Exception {
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
            String doc = j.get(RedisKeys.profile(user));
            return doc == null ? null : new ObjectMapper().readTree(doc);
        }
    }

    static long total(String user) throws Exception {
        JsonNode d = doc(user);
        return d == null ? 0 : d.get("counts").get("total").asLong();
    }

    @Test
    void eventTimeTimersFireWhileTheControlTopicIsIdle() throws Exception {
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.dedup.horizon", "10 s",
                                "portrait.predict.silence-tick", "10 s",
                                "portrait.ingest.idleness", "2 s",
                                "portrait.flush.interval", "100 ms"));
        long t0 = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        try (KafkaProducer<byte[], byte[]> p = services.producer()) {
            send(p, Topics.CONTROL, "setting:flush.interval", "{not json");
            send(
                    p,
                    Topics.CONTROL,
                    "setting:flush.interval",
                    "{\"kind\":\"setting\",\"id\":\"flush.interval\",\"version\":1,"
                            + "\"payload\":{\"value\":\"50 ms\"}}");
            // Phase 1: the probe event, an account takeover and five seconds of traffic on both
            // partitions: the watermark stays before the probe's first silence tick (10 s).
            send(p, Topics.EVENTS, "probe", event("probe-1", "probe", t0));
            for (int i = 0; i < 3; i++) {
                send(
                        p,
                        Topics.EVENTS,
                        "ato",
                        eventJson("ato-f" + i, "ato", "login_failed", t0 + i));
            }
            send(p, Topics.EVENTS, "ato", eventJson("ato-l", "ato", "login", t0 + 10));
            send(p, Topics.EVENTS, "ato", eventJson("ato-p", "ato", "password_change", t0 + 20));
            fillers(p, t0, 1, 5);
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
                                            .isEqualTo(11));
            assertThat(doc("probe").get("revision").asLong()).isZero();
            // Phase 2: a minute of traffic of other users moves event time on.
            try (KafkaProducer<byte[], byte[]> p = services.producer()) {
                fillers(p, t0, 6, 60);
                p.flush();
            }
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(Summary.profileTotals(services.redis.address())[1])
                                            .isEqualTo(66));
            assertThat(total("probe")).isEqualTo(1);
            // The watermark passes the probe's 10 s ticks: a silence update (only the probe's
            // event-time timer can write it: same version, a new revision).
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () -> {
                                JsonNode probe = doc("probe");
                                assertThat(probe.get("revision").asLong())
                                        .as("silence updates fired by event-time timers")
                                        .isGreaterThanOrEqualTo(1);
                                assertThat(probe.get("version").asLong()).isEqualTo(1);
                            });
            // CEP matched, and its alert came back through the loop topic to portrait.alerts.
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    Summary.readAll(
                                                                    config.kafkaBootstrap(),
                                                                    Topics.ALERTS)
                                                            .stream()
                                                            .map(r -> new String(r.value()))
                                                            .toList())
                                            .anySatisfy(
                                                    a ->
                                                            assertThat(a)
                                                                    .contains(
                                                                            "\"rule\":\"account_takeover\"",
                                                                            "\"user_id\":\"ato\"")));
            assertThat(doc("ato").get("risk").get("alerts_30d").asInt())
                    .as("the looped alert reached the user's risk")
                    .isEqualTo(1);

            // Phase 3: the probe id again, behind a newer event of the user by more than the
            // 10 s horizon: counted again (documented).
            try (KafkaProducer<byte[], byte[]> p = services.producer()) {
                send(p, Topics.EVENTS, "probe", event("probe-2", "probe", t0 + 61_000));
                send(p, Topics.EVENTS, "probe", event("probe-1", "probe", t0));
                p.flush();
            }
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () ->
                                    assertThat(total("probe"))
                                            .as("an id older than the horizon counts again")
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
