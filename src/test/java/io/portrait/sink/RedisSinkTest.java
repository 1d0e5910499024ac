package io.portrait.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portrait.config.RedisKeys;
import io.portrait.demo.RedisServerProcess;
import io.portrait.profile.ProfileRecord;
import io.portrait.user.ProfileDocument;
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
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

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

    static ProfileRecord tick(String user, long epoch, long version, int revision) {
        return new ProfileRecord(
                user,
                epoch,
                version,
                "{\"epoch\":"
                        + epoch
                        + ",\"version\":"
                        + version
                        + ",\"revision\":"
                        + revision
                        + "}",
                false);
    }

    @Test
    void writesOfOneVersionOrderByRevision() {
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            store.write(List.of(doc("u1", 10, 5)), 0, 60);
            assertThat(store.write(List.of(tick("u1", 10, 5, 1)), 0, 60).written()).isEqualTo(1);
            assertThat(store.write(List.of(tick("u1", 10, 5, 1)), 0, 60).stale()).isEqualTo(1);
            assertThat(store.write(List.of(doc("u1", 10, 5)), 0, 60).stale())
                    .as("the event's own document does not undo a later revision")
                    .isEqualTo(1);
            assertThat(store.write(List.of(tick("u1", 10, 5, 3)), 0, 60).written()).isEqualTo(1);
            assertThat(store.write(List.of(tick("u1", 10, 4, 9)), 0, 60).stale())
                    .as("an older version loses whatever its revision")
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
    void anErrorThatRetryingCannotFixFailsTheJobAtOnceWithoutARestart() throws Exception {
        // NOAUTH: the server wants a password the sink was not given.
        try (RedisServerProcess secured = RedisServerProcess.start("s3cret-for-tests");
                RedisSinkWriter w =
                        new RedisSinkWriter(
                                new RedisProfileStore(secured.address(), null),
                                100,
                                Duration.ofMillis(100),
                                Duration.ZERO,
                                Duration.ofDays(7),
                                Duration.ofMillis(200),
                                null,
                                new UnregisteredMetricsGroup())) {
            w.write(doc("u1", 1, 1), null);
            assertThatThrownBy(() -> w.flush(false))
                    .isInstanceOf(
                            org.apache.flink.runtime.execution.SuppressRestartsException.class)
                    .cause()
                    .hasMessageContaining("NOAUTH")
                    .hasMessageContaining("PORTRAIT_REDIS_PASSWORD");
        }
        // WRONGTYPE: another application put a string where the alerts' sorted set goes.
        try (Jedis j = jedis()) {
            j.set(io.portrait.config.RedisKeys.alerts("typed"), "not a sorted set");
        }
        var retries = new org.apache.flink.metrics.SimpleCounter();
        var w =
                new RedisAlertSink(
                                io.portrait.config.PortraitConfig.defaults()
                                        .with(java.util.Map.of("portrait.redis.url", redis.url())))
                        .writer(new org.apache.flink.metrics.SimpleCounter(), retries);
        w.write(
                io.portrait.anomaly.Alert.of(
                        "typed", "card_testing", 1, "high", 1L, 1L, new String[] {"e"}, "{}"),
                null);
        assertThatThrownBy(() -> w.flush(false))
                .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
                .cause()
                .hasMessageContaining("WRONGTYPE")
                .hasMessageContaining("another application");
        assertThat(retries.getCount()).as("not retried").isZero();
        w.close();
    }

    @Test
    void onlyWhatWaitingCanFixIsRetried() {
        assertThat(RedisRetry.isTransient(new JedisConnectionException("Connection refused")))
                .isTrue();
        assertThat(
                        RedisRetry.isTransient(
                                new IllegalStateException(
                                        "wrapped", new JedisConnectionException("reset"))))
                .isTrue();
        for (String notNow :
                List.of(
                        "LOADING Redis is loading the dataset in memory",
                        "BUSY Redis is busy running a script",
                        "TRYAGAIN Multiple keys request during rehashing of slot",
                        "CLUSTERDOWN The cluster is down",
                        "MASTERDOWN Link with MASTER is down",
                        "READONLY You can't write against a read only replica.",
                        "OOM command not allowed when used memory > 'maxmemory'.",
                        "NOSCRIPT No matching script.")) {
            assertThat(RedisRetry.isTransient(new JedisDataException(notNow))).as(notNow).isTrue();
        }
        for (String never :
                List.of(
                        "WRONGTYPE Operation against a key holding the wrong kind of value",
                        "ERR Error running script (call to f_…): @user_script:1: bad",
                        "NOPERM this user has no permissions to run the 'evalsha' command")) {
            assertThat(RedisRetry.isTransient(new JedisDataException(never))).as(never).isFalse();
        }
        assertThat(
                        RedisRetry.isTransient(
                                new redis.clients.jedis.exceptions.JedisAccessControlException(
                                        "WRONGPASS invalid username-password pair")))
                .isFalse();
        assertThat(RedisRetry.isTransient(new NullPointerException("a bug"))).isFalse();
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

    static ProfileRecord recs(String user, String... items) {
        return ProfileRecord.recommendations(
                user,
                io.portrait.recommend.RecommendationJson.of(
                        io.portrait.testing.TestRecommendations.of(1_764_000_000_000L, items)));
    }

    static String storedRecs(String user) {
        try (Jedis j = jedis()) {
            return j.get(RedisKeys.recommendations(user));
        }
    }

    @Test
    void aRecommendationListHasItsOwnKeyReadersComposeItAndEraseRemovesIt() throws Exception {
        try (RedisProfileStore store = new RedisProfileStore(redis.address())) {
            store.write(List.of(doc("u1", 10, 5), recs("u1", "i1", "i2")), 3_600, 60);
            assertThat(storedRecs("u1"))
                    .isEqualTo(
                            "{\"updated_at\":\"2025-11-24T16:00:00Z\","
                                    + "\"items\":[{\"item_id\":\"i1\",\"score\":0.5,"
                                    + "\"because\":{\"item_id\":\"seed\",\"action\":\"view\"}},"
                                    + "{\"item_id\":\"i2\",\"score\":0.5,"
                                    + "\"because\":{\"item_id\":\"seed\",\"action\":\"view\"}}]}");
            try (Jedis j = jedis()) {
                assertThat(j.ttl(RedisKeys.recommendations("u1"))).isBetween(3_500L, 3_600L);
            }
            // The newest list replaces; a document written after keeps nothing of it inside.
            store.write(List.of(recs("u1", "i3"), doc("u1", 10, 6)), 3_600, 60);
            assertThat(storedRecs("u1")).contains("\"i3\"").doesNotContain("\"i1\"");
            assertThat(stored("u1")).doesNotContain("recommendations");
            try (io.portrait.api.ProfileReader reader =
                    new io.portrait.api.ProfileReader(redis.address(), null)) {
                String read = reader.profile("u1");
                assertThat(read)
                        .isEqualTo(
                                stored("u1").substring(0, stored("u1").length() - 1)
                                        + ",\"recommendations\":"
                                        + storedRecs("u1")
                                        + "}");
                assertThat(reader.profile("nobody")).isNull();
            }
            // Erase: the tombstone replaces the profile and the list goes.
            store.write(
                    List.of(
                            new ProfileRecord(
                                    "u1",
                                    10,
                                    7,
                                    "{\"epoch\":10,\"version\":7,\"erased\":true}",
                                    true)),
                    0,
                    60);
            assertThat(storedRecs("u1")).isNull();
            assertThat(stored("u1")).isEqualTo("{\"epoch\":10,\"version\":7,\"erased\":true}");
        }
        // In the writer: the newest document and the newest list per user both land.
        try (RedisSinkWriter w = writer(100)) {
            w.write(recs("u5", "a"), null);
            w.write(doc("u5", 10, 2), null);
            w.write(recs("u5", "b"), null);
            w.write(doc("u5", 10, 1), null);
            w.flush(false);
        }
        assertThat(stored("u5")).startsWith("{\"epoch\":10,\"version\":2,");
        assertThat(storedRecs("u5")).contains("\"item_id\":\"b\"");
    }
}
