package io.portrait.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.portrait.PortraitJob;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.config.Topics;
import io.portrait.demo.Summary;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.ProfileSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The real job, unbounded, against a live control topic: profiles carry the shipped model's
 * predictions; a model published on portrait.control takes over without a restart (a malformed one
 * goes to the control DLQ); a silent user's churn risk rises through a silence update once event
 * time moves on.
 */
class ModelSwapITCase extends PortraitITCase {
    static final long HOUR = 3_600_000L;

    static String event(String id, String user, String type, long ts) {
        return eventJson(
                id,
                user,
                type,
                ts,
                "item_id",
                "i-" + Math.floorMod(id.hashCode(), 7),
                "category",
                "shoes");
    }

    static JsonNode profile(String user) throws Exception {
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
            String doc = j.get(RedisKeys.profile(user));
            return doc == null ? null : ProfileSchema.assertValid(doc);
        }
    }

    static String raw(String user) {
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
            return j.get(RedisKeys.profile(user));
        }
    }

    @Test
    void aPublishedModelTakesOverAndSilenceRaisesChurnRisk() throws Exception {
        PortraitConfig config =
                services.config(
                        Map.of(
                                "portrait.ingest.idleness", "2 s",
                                "portrait.flush.interval", "50 ms"));
        byte[] other = OnnxParityTest.export(OnnxParityTest.randomNet(7), "published");
        Path file = WORK.resolve("published.onnx");
        Files.write(file, other);
        long t0 = System.currentTimeMillis() - 30 * HOUR;
        String[] types = {"view", "view", "add_to_cart", "view", "purchase"};
        try (KafkaProducer<byte[], byte[]> p = services.producer()) {
            for (int u = 0; u < 20; u++) {
                for (int i = 0; i < types.length; i++) {
                    String user = "m-" + u;
                    send(
                            p,
                            Topics.EVENTS,
                            user,
                            event(user + "-" + i, user, types[i], t0 + i * 60_000L));
                }
            }
            p.flush();
        }
        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-model-swap-it");
        try {
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(Summary.profileTotals(services.redis.address())[1])
                                            .isEqualTo(100));
            JsonNode before = profile("m-0");
            assertThat(before.get("predictions").get("model_version").asText())
                    .isEqualTo("next-action-v1");

            try (KafkaProducer<byte[], byte[]> p = services.producer()) {
                send(
                        p,
                        Topics.CONTROL,
                        "model:next-action",
                        "{\"kind\":\"model\",\"id\":\"next-action\",\"version\":1,\"payload\":{\"uri\":\""
                                + file.toUri()
                                + "\"}}");
                p.flush();
            }
            // The good one through the CLI, as an operator would publish it.
            var cli = io.portrait.cli.PortraitCli.newCommandLine();
            var out = new java.io.StringWriter();
            cli.setOut(new java.io.PrintWriter(out));
            assertThat(
                            cli.execute(
                                    "model",
                                    "publish",
                                    "--file",
                                    file.toString(),
                                    "--version",
                                    "2",
                                    "--kafka-bootstrap",
                                    config.kafkaBootstrap()))
                    .isZero();
            assertThat(out.toString())
                    .contains("published published as next-action@2")
                    .contains(OnnxModel.sha256(other));
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    Summary.readAll(
                                                            config.kafkaBootstrap(),
                                                            Topics.CONTROL_DLQ))
                                            .as("the record without sha256 is refused")
                                            .hasSize(1));
            // A new event of each user is predicted by the published model, from a rebuilt state.
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () -> {
                                try (KafkaProducer<byte[], byte[]> p = services.producer()) {
                                    send(
                                            p,
                                            Topics.EVENTS,
                                            "m-0",
                                            event(
                                                    "m-0-x" + System.nanoTime(),
                                                    "m-0",
                                                    "view",
                                                    t0 + 10 * 60_000L));
                                    p.flush();
                                }
                                Thread.sleep(500);
                                assertThat(
                                                profile("m-0")
                                                        .get("predictions")
                                                        .get("model_version")
                                                        .asText())
                                        .isEqualTo("next-action@2");
                            });
            JsonNode after = profile("m-0");
            assertThat(after.get("predictions").get("next_action"))
                    .isNotEqualTo(before.get("predictions").get("next_action"));

            // Event time moves 7 h on (another user): m-1 has been silent for more than one tick.
            double churnBefore = profile("m-1").get("predictions").get("churn_risk").asDouble();
            try (KafkaProducer<byte[], byte[]> p = services.producer()) {
                send(
                        p,
                        Topics.EVENTS,
                        "late-comer",
                        event("lc-1", "late-comer", "view", t0 + 7 * HOUR));
                p.flush();
            }
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(() -> assertThat(raw("m-1")).contains(",\"revision\":1,"));
            JsonNode silent = profile("m-1");
            assertThat(silent.get("version").asLong()).as("no event was applied").isEqualTo(5);
            assertThat(silent.get("predictions").get("churn_risk").asDouble())
                    .isGreaterThan(churnBefore);
        } finally {
            job.cancel().get();
        }
    }
}
