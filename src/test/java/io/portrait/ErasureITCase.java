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
import io.portrait.testing.ProfileSchema;
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
 * An {@code erase} event removes the user's profile from Redis (a tombstone that blocks late
 * writes) and announces {@code erased} on portrait.changes within 5 seconds, end to end, with the
 * default 1 s coalescing in force. (That no state or timer of the user remains in any operator is
 * shown by each operator's harness test.)
 */
class ErasureITCase extends PortraitITCase {

    static String event(String id, String user, String type, long ts) {
        return eventJson(id, user, type, ts, "category", "books", "ip", "203.0.113.9");
    }

    @Test
    void eraseRemovesTheProfileAndAnnouncesItWithinFiveSeconds() throws Exception {
        PortraitConfig config = services.config(Map.of());
        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-erasure-it");
        ObjectMapper json = new ObjectMapper();
        try (KafkaProducer<byte[], byte[]> p = services.producer();
                Jedis redis = RedisConnections.open(services.redis.address(), "test", 5000)) {
            long now = System.currentTimeMillis();
            for (int i = 0; i < 5; i++) {
                send(p, Topics.EVENTS, "alice", event("a" + i, "alice", "view", now - 5000 + i));
                send(p, Topics.EVENTS, "bob", event("b" + i, "bob", "view", now - 5000 + i));
            }
            p.flush();
            await().atMost(Duration.ofMinutes(1))
                    .until(
                            () ->
                                    redis.get(RedisKeys.profile("alice")) != null
                                            && redis.get(RedisKeys.profile("bob")) != null);
            String before = redis.get(RedisKeys.profile("alice"));
            ProfileSchema.assertValid(before);
            assertThat(before).doesNotContain("203.0.113.9").as("no raw IP in a profile");

            long sent = System.nanoTime();
            send(
                    p,
                    Topics.EVENTS,
                    "alice",
                    event("erase-1", "alice", "erase", System.currentTimeMillis()));
            p.flush();
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(
                            () -> {
                                assertThat(redis.get(RedisKeys.profile("alice")))
                                        .contains("\"erased\":true");
                                assertThat(
                                                Summary.recordsIn(
                                                        config.kafkaBootstrap(),
                                                        config.changesTopic()))
                                        .isEqualTo(1);
                            });
            long millis = (System.nanoTime() - sent) / 1_000_000;
            System.err.println(
                    "erase visible in Redis and portrait.changes after " + millis + " ms");

            JsonNode tomb = ProfileSchema.assertValid(redis.get(RedisKeys.profile("alice")));
            assertThat(tomb.size()).as("only epoch, version, erased").isEqualTo(3);
            assertThat(tomb.get("version").asLong()).isEqualTo(6);
            assertThat(redis.ttl(RedisKeys.profile("alice"))).isPositive();
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(
                            () ->
                                    assertThat(redis.get(RedisKeys.profile("bob")))
                                            .as("bob is untouched")
                                            .contains("\"total\":5"));

            List<ConsumerRecord<byte[], byte[]>> changes =
                    Summary.readAll(config.kafkaBootstrap(), config.changesTopic());
            JsonNode change = json.readTree(changes.get(0).value());
            assertThat(change.get("kind").asText()).isEqualTo("erased");
            assertThat(change.get("user_id").asText()).isEqualTo("alice");
            assertThat(change.get("profile_version").asLong()).isEqualTo(6);

            // A returning user starts a new profile past the tombstone; old events count again
            // only if re-sent after the erase (their ids were forgotten too).
            send(
                    p,
                    Topics.EVENTS,
                    "alice",
                    event("a-new", "alice", "view", System.currentTimeMillis()));
            p.flush();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () ->
                                    assertThat(redis.get(RedisKeys.profile("alice")))
                                            .contains("\"version\":7")
                                            .contains("\"total\":1"));
        } finally {
            job.cancel().get();
        }
    }
}
