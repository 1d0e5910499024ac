package io.portrait.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portrait.config.RedisKeys;
import io.portrait.demo.RedisServerProcess;
import io.portrait.profile.ProfileDocument;
import io.portrait.profile.ProfileRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The Redis sink against a real Redis server (system redis-server or the one in embedded-redis).
 */
class RedisSinkTest {

    static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void flush() {
        try (Jedis j = jedis()) {
            j.flushAll();
        }
    }

    static Jedis jedis() {
        return RedisConnections.open(redis.address(), "test", 5000);
    }

    static ProfileRecord doc(String user, long epoch, long version) {
        return new ProfileRecord(
                user,
                epoch,
                version,
                "{\"epoch\":"
                        + epoch
                        + ",\"version\":"
                        + version
                        + ",\"user_id\":\""
                        + user
                        + "\"}",
                false);
    }

    static String stored(String user) {
        try (Jedis j = jedis()) {
            return j.get(RedisKeys.profile(user));
        }
    }

    @Test
    void versionedUpsertNeverMovesBackwards() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            assertThat(store.write(List.of(doc("u1", 10, 5)), 0, 60).written()).isEqualTo(1);
            assertThat(store.write(List.of(doc("u1", 10, 4)), 0, 60))
                    .isEqualTo(new RedisProfileStore.BatchResult(0, 1));
            assertThat(store.write(List.of(doc("u1", 10, 5)), 0, 60).stale())
                    .as("equal is not newer")
                    .isEqualTo(1);
            assertThat(stored("u1")).contains("\"version\":5");

            assertThat(store.write(List.of(doc("u1", 10, 6)), 0, 60).written()).isEqualTo(1);
            assertThat(store.write(List.of(doc("u1", 9, 100)), 0, 60).written())
                    .as("older epoch loses")
                    .isZero();
            assertThat(store.write(List.of(doc("u1", 11, 1)), 0, 60).written())
                    .as("a newer epoch wins")
                    .isEqualTo(1);
            assertThat(stored("u1")).startsWith("{\"epoch\":11,\"version\":1,");
        }
    }

    static ProfileRecord tick(String user, long epoch, long version, int tick) {
        return new ProfileRecord(
                user,
                epoch,
                version,
                "{\"epoch\":" + epoch + ",\"version\":" + version + ",\"tick\":" + tick + "}",
                false);
    }

    @Test
    void silenceUpdatesOrderByTickWithinAVersion() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            store.write(List.of(doc("u1", 10, 5)), 0, 60);
            assertThat(store.write(List.of(tick("u1", 10, 5, 1)), 0, 60).written()).isEqualTo(1);
            assertThat(store.write(List.of(tick("u1", 10, 5, 1)), 0, 60).stale()).isEqualTo(1);
            assertThat(store.write(List.of(doc("u1", 10, 5)), 0, 60).stale())
                    .as("the event's own document does not undo a silence update")
                    .isEqualTo(1);
            assertThat(store.write(List.of(tick("u1", 10, 5, 3)), 0, 60).written()).isEqualTo(1);
            assertThat(store.write(List.of(tick("u1", 10, 4, 9)), 0, 60).stale())
                    .as("an older version loses whatever its tick")
                    .isEqualTo(1);
            assertThat(store.write(List.of(doc("u1", 10, 6)), 0, 60).written()).isEqualTo(1);
            assertThat(stored("u1")).isEqualTo("{\"epoch\":10,\"version\":6,\"user_id\":\"u1\"}");
            assertThat(tick("u1", 10, 5, 2).newerThan(tick("u1", 10, 5, 1))).isTrue();
            assertThat(doc("u1", 10, 5).newerThan(tick("u1", 10, 5, 1))).isFalse();
        }
    }

    @Test
    void recentAlertsAreASortedSetTrimmedToTheNewestWithATtl() throws Exception {
        io.portrait.config.PortraitConfig config =
                io.portrait.config.PortraitConfig.defaults()
                        .with(
                                java.util.Map.of(
                                        "portrait.redis.url",
                                        redis.url(),
                                        "portrait.redis.alerts-keep",
                                        "3"));
        var w =
                new RedisAlertSink(config)
                        .writer(
                                new org.apache.flink.metrics.SimpleCounter(),
                                new org.apache.flink.metrics.SimpleCounter());
        long t0 = 1_764_000_000_000L;
        for (int i = 0; i < 5; i++) {
            w.write(
                    io.portrait.anomaly.Alert.of(
                            "alerted",
                            "card_testing",
                            1,
                            "high",
                            t0 + i,
                            t0,
                            new String[] {"e" + i},
                            "{\"purchases\":5}"),
                    null);
        }
        w.flush(false);
        w.close();
        try (Jedis j = jedis()) {
            String key = io.portrait.config.RedisKeys.alerts("alerted");
            List<String> kept = j.zrange(key, 0, -1);
            assertThat(kept).hasSize(3);
            assertThat(kept.get(0)).contains("\"event_ids\":[\"e2\"]");
            assertThat(kept.get(2))
                    .contains("\"event_ids\":[\"e4\"]")
                    .contains("\"details\":{\"purchases\":5}");
            assertThat(j.ttl(key)).isBetween(29L * 86_400, 30L * 86_400);
        }
    }

    @Test
    void tombstonesExpireAndBlockLateWrites() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address());
                Jedis j = jedis()) {
            store.write(List.of(doc("u1", 10, 5)), 0, 60);
            ProfileRecord tomb =
                    new ProfileRecord("u1", 10, 6, ProfileDocument.tombstone(10, 6), true);
            store.write(List.of(tomb), 0, 60);
            assertThat(stored("u1")).isEqualTo("{\"epoch\":10,\"version\":6,\"erased\":true}");
            assertThat(j.ttl(RedisKeys.profile("u1"))).isBetween(1L, 60L);
            assertThat(store.write(List.of(doc("u1", 10, 5)), 0, 60).written())
                    .as("a late write cannot resurrect")
                    .isZero();
        }
    }

    @Test
    void profileTtlIsSetWhenConfigured() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address());
                Jedis j = jedis()) {
            store.write(List.of(doc("u1", 1, 1)), 3600, 60);
            store.write(List.of(doc("u2", 1, 1)), 0, 60);
            assertThat(j.ttl(RedisKeys.profile("u1"))).isBetween(3500L, 3600L);
            assertThat(j.ttl(RedisKeys.profile("u2"))).isEqualTo(-1L);
        }
    }

    @Test
    void foreignValuesAreOverwritten() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address());
                Jedis j = jedis()) {
            j.set(RedisKeys.profile("u1"), "legacy");
            assertThat(store.write(List.of(doc("u1", 1, 1)), 0, 60).written()).isEqualTo(1);
        }
    }

    static RedisSinkWriter writer(int batchSize) {
        return new RedisSinkWriter(
                new RedisProfileStore(redis.address()),
                batchSize,
                Duration.ofMillis(100),
                Duration.ZERO,
                Duration.ofDays(7),
                Duration.ofMillis(200),
                null,
                new UnregisteredMetricsGroup());
    }

    @Test
    void writerBuffersTheNewestPerUserAndWritesOnFlushOrFullBatch() throws Exception {
        try (RedisSinkWriter w = writer(3)) {
            w.write(doc("u1", 1, 1), null);
            w.write(doc("u1", 1, 3), null);
            w.write(doc("u1", 1, 2), null); // older than buffered: dropped
            w.write(doc("u2", 1, 1), null);
            assertThat(stored("u1")).as("nothing before flush").isNull();
            w.flush(false);
            assertThat(stored("u1")).contains("\"version\":3");
            assertThat(stored("u2")).isNotNull();

            w.write(doc("a", 1, 1), null);
            w.write(doc("b", 1, 1), null);
            w.write(doc("c", 1, 1), null); // third user fills the batch
            assertThat(stored("c")).isNotNull();
        }
    }

    @Test
    void writerRetriesUntilRedisIsBackAndThenSucceeds() throws Exception {
        try (RedisSinkWriter w = writer(100)) {
            w.write(doc("u1", 1, 1), null);
            w.flush(false);
            redis.stopProcess();
            w.write(doc("u1", 1, 2), null);
            w.write(doc("u2", 1, 1), null);
            CompletableFuture<Void> flushing =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    w.flush(false);
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            Thread.sleep(1500);
            assertThat(flushing).as("blocks (back-pressure) while Redis is down").isNotDone();
            redis.startProcess(); // empty server: script cache and data are gone
            flushing.get(30, TimeUnit.SECONDS);
            assertThat(stored("u1")).contains("\"version\":2");
            assertThat(stored("u2")).isNotNull();
        }
    }

    @Test
    void writesToAPasswordProtectedRedisOnlyWithThePassword() {
        try (RedisServerProcess secured = RedisServerProcess.start("s3cret-for-tests")) {
            try (RedisProfileStore store =
                    new RedisProfileStore(secured.address(), "s3cret-for-tests")) {
                assertThat(store.write(List.of(doc("u1", 1, 1)), 0, 60).written()).isEqualTo(1);
            }
            try (RedisProfileStore anonymous = new RedisProfileStore(secured.address(), null)) {
                assertThatThrownBy(() -> anonymous.write(List.of(doc("u1", 1, 2)), 0, 60))
                        .hasMessageContaining("NOAUTH");
            }
            try (RedisProfileStore wrong = new RedisProfileStore(secured.address(), "guess")) {
                assertThatThrownBy(() -> wrong.write(List.of(doc("u1", 1, 2)), 0, 60))
                        .isInstanceOf(RuntimeException.class);
            }
        }
    }

    @Test
    void builderSaysWhatToFix() {
        assertThatThrownBy(() -> RedisSink.builder().build()).hasMessageContaining("setAddress");
        assertThatThrownBy(
                        () -> RedisSink.builder().setAddress("redis://h:1").setBatchSize(0).build())
                .hasMessageContaining("batch size");
        assertThatThrownBy(() -> RedisSink.builder().setAddress("redis://u:p@h:1").build())
                .hasMessageContaining("PORTRAIT_REDIS_PASSWORD");
        assertThatThrownBy(
                        () ->
                                RedisSink.builder()
                                        .setAddress("redis://h:1")
                                        .setTombstoneTtl(Duration.ZERO)
                                        .build())
                .hasMessageContaining("tombstone");
        assertThat(RedisSink.builder().setAddress("redis://h:1").build()).isNotNull();
    }

    static ProfileRecord withRisk(String user, long version, double score) {
        return new ProfileRecord(
                user,
                10,
                version,
                "{\"epoch\":10,\"version\":"
                        + version
                        + ",\"risk\":{\"score\":"
                        + score
                        + ",\"alerts_30d\":0,\"bot_score\":0.25},\"user_id\":\""
                        + user
                        + "\"}",
                false);
    }

    @Test
    void aRiskPatchReplacesOnlyTheRiskHeadAndKeepsTheTtl() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            store.write(List.of(withRisk("u1", 5, 0.0)), 3_600, 60);
            ProfileRecord patch =
                    ProfileRecord.riskPatch(
                            "u1", 10, 5, io.portrait.profile.ProfileDocument.riskHead(0.632, 1));
            assertThat(store.write(List.of(patch), 3_600, 60).written()).isEqualTo(1);
            assertThat(stored("u1"))
                    .isEqualTo(
                            "{\"epoch\":10,\"version\":5,\"risk\":{\"score\":0.632,"
                                    + "\"alerts_30d\":1,\"bot_score\":0.25},\"user_id\":\"u1\"}");
            try (Jedis j = jedis()) {
                assertThat(j.ttl(RedisKeys.profile("u1"))).isBetween(3_500L, 3_600L);
            }
            // No document, or an erase tombstone: left alone.
            assertThat(
                            store.write(
                                            List.of(
                                                    ProfileRecord.riskPatch(
                                                            "u2", 10, 1, patch.json())),
                                            0,
                                            60)
                                    .written())
                    .isZero();
            assertThat(stored("u2")).isNull();
            store.write(
                    List.of(
                            new ProfileRecord(
                                    "u3",
                                    10,
                                    7,
                                    "{\"epoch\":10,\"version\":7,\"erased\":true}",
                                    true)),
                    0,
                    60);
            store.write(List.of(ProfileRecord.riskPatch("u3", 10, 7, patch.json())), 0, 60);
            assertThat(stored("u3")).isEqualTo("{\"epoch\":10,\"version\":7,\"erased\":true}");
        }
    }

    @Test
    void theWriterMergesAPatchIntoABufferedDocumentAndADocumentReplacesABufferedPatch()
            throws Exception {
        ProfileRecord patch =
                ProfileRecord.riskPatch(
                        "u1", 10, 5, io.portrait.profile.ProfileDocument.riskHead(0.5, 2));
        ProfileRecord merged = withRisk("u1", 5, 0.0).withRisk(patch);
        assertThat(merged.riskPatch()).isFalse();
        assertThat(merged.json())
                .contains("\"risk\":{\"score\":0.5,\"alerts_30d\":2,\"bot_score\":0.25}");
        try (RedisSinkWriter w = writer(100)) {
            w.write(withRisk("u1", 5, 0.0), null);
            w.write(patch, null);
            w.write(patch, null);
            w.write(ProfileRecord.riskPatch("u2", 10, 1, patch.json()), null);
            w.write(withRisk("u2", 2, 0.9), null);
            w.flush(false);
        }
        assertThat(stored("u1")).isEqualTo(merged.json());
        assertThat(stored("u2")).contains("\"score\":0.9,");
    }

    static ProfileRecord recsPatch(String user, String... items) {
        return ProfileRecord.recommendationsPatch(
                user,
                10,
                5,
                io.portrait.profile.ProfileDocument.recommendationsGroup(
                        io.portrait.testing.TestRecommendations.of(1_764_000_000_000L, items)));
    }

    @Test
    void aRecommendationsPatchAppendsOrReplacesTheLastGroupAndCommutesWithARiskPatch()
            throws Exception {
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            store.write(List.of(withRisk("u1", 5, 0.0)), 3_600, 60);
            // Appended as the last group …
            assertThat(store.write(List.of(recsPatch("u1", "i1", "i2")), 3_600, 60).written())
                    .isEqualTo(1);
            String once = stored("u1");
            assertThat(once)
                    .startsWith("{\"epoch\":10,\"version\":5,\"risk\":")
                    .endsWith(
                            ",\"recommendations\":{\"updated_at\":\"2025-11-24T16:00:00Z\","
                                    + "\"items\":[{\"item_id\":\"i1\",\"score\":0.5,"
                                    + "\"because\":{\"item_id\":\"seed\",\"action\":\"view\"}},"
                                    + "{\"item_id\":\"i2\",\"score\":0.5,"
                                    + "\"because\":{\"item_id\":\"seed\",\"action\":\"view\"}}]}}");
            // … then replaced, not repeated; the TTL stays.
            store.write(List.of(recsPatch("u1", "i3")), 3_600, 60);
            assertThat(stored("u1")).contains("\"i3\"").doesNotContain("\"i1\"");
            assertThat(stored("u1").split("\"recommendations\"", -1)).hasSize(2);
            try (Jedis j = jedis()) {
                assertThat(j.ttl(RedisKeys.profile("u1"))).isBetween(3_500L, 3_600L);
            }
            // A tombstone or no document: left alone.
            store.write(
                    List.of(
                            new ProfileRecord(
                                    "u3",
                                    10,
                                    7,
                                    "{\"epoch\":10,\"version\":7,\"erased\":true}",
                                    true)),
                    0,
                    60);
            assertThat(
                            store.write(
                                            List.of(recsPatch("u3", "i1"), recsPatch("u4", "i1")),
                                            0,
                                            60)
                                    .written())
                    .isZero();
            assertThat(stored("u3")).isEqualTo("{\"epoch\":10,\"version\":7,\"erased\":true}");
            assertThat(stored("u4")).isNull();
        }
        // In the writer: both kinds of patch buffered for one user both land; a document
        // supersedes buffered patches; a patch merges into a buffered document.
        ProfileRecord risk =
                ProfileRecord.riskPatch(
                        "u5", 10, 5, io.portrait.profile.ProfileDocument.riskHead(0.5, 2));
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            store.write(List.of(withRisk("u5", 5, 0.0), withRisk("u6", 5, 0.0)), 0, 60);
        }
        try (RedisSinkWriter w = writer(100)) {
            w.write(risk, null);
            w.write(recsPatch("u5", "a"), null);
            w.write(withRisk("u6", 6, 0.1), null);
            w.write(recsPatch("u6", "b"), null);
            w.flush(false);
        }
        assertThat(stored("u5"))
                .contains("\"score\":0.5,\"alerts_30d\":2")
                .contains("\"item_id\":\"a\"");
        assertThat(stored("u6"))
                .startsWith("{\"epoch\":10,\"version\":6,")
                .contains("\"item_id\":\"b\"");
    }
}
