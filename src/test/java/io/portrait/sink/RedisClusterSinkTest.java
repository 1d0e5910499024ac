package io.portrait.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.anomaly.Alert;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.demo.Summary;
import io.portrait.profile.ProfileRecord;
import io.portrait.testing.LocalRedisCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * The sinks and readers against a Redis Cluster of three masters (real redis-server processes),
 * selected by a {@code redis-cluster://} URL: documents, risk patches and recent alerts land on the
 * node that owns each key's slot, the versioned upsert still refuses older documents, and the
 * readers see every key across the nodes.
 */
class RedisClusterSinkTest {
    static LocalRedisCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalRedisCluster.start(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void documentsListsAndAlertsSpreadOverTheMastersAndReadBack() throws Exception {
        int users = 600;
        List<ProfileRecord> batch = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            String u = "cu-" + i;
            batch.add(RedisSinkTest.doc(u, 10, 7));
        }
        try (RedisProfileStore store = new RedisProfileStore(cluster.address(), null)) {
            // One pipelined batch across all three nodes.
            assertThat(store.write(batch, 3_600, 60).written()).isEqualTo(users);
            // The versioned upsert holds on every node: an older version is refused, a newer wins.
            List<ProfileRecord> older = new ArrayList<>();
            List<ProfileRecord> newer = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                older.add(RedisSinkTest.doc("cu-" + i, 10, 6));
                newer.add(RedisSinkTest.doc("cu-" + i, 10, 8));
            }
            assertThat(store.write(older, 3_600, 60))
                    .isEqualTo(new RedisProfileStore.BatchResult(0, users));
            assertThat(store.write(newer, 3_600, 60).written()).isEqualTo(users);
            // Recommendation lists under their own keys, on their own nodes.
            List<ProfileRecord> lists = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                lists.add(RedisSinkTest.recs("cu-" + i, "item-" + i));
            }
            assertThat(store.write(lists, 3_600, 60).written()).isEqualTo(users);
        }

        // Every master holds a share of the documents.
        for (int n = 0; n < 3; n++) {
            try (Jedis j = cluster.jedis(n)) {
                assertThat(j.dbSize()).as("keys on node %d", n).isBetween(200L, 800L);
            }
        }
        try (UnifiedJedis c = RedisConnections.client(cluster.address(), null, "test", 5000)) {
            for (int i = 0; i < users; i += 37) {
                assertThat(c.get(RedisKeys.profile("cu-" + i)))
                        .isEqualTo("{\"epoch\":10,\"version\":8,\"user_id\":\"cu-" + i + "\"}");
                assertThat(io.portrait.api.ProfileReader.read(c, "cu-" + i))
                        .contains("\"recommendations\":{", "\"item_id\":\"item-" + i + "\"");
                assertThat(c.ttl(RedisKeys.profile("cu-" + i))).isBetween(3_000L, 3_600L);
            }
        }
        // The summary reader scans every node.
        assertThat(Summary.profileTotals(cluster.address())[0]).isEqualTo(users);

        // Recent alerts: sorted sets keyed per user, on their nodes.
        PortraitConfig config =
                PortraitConfig.defaults()
                        .with(Map.of("portrait.redis.url", cluster.address().toString()));
        var w = new RedisAlertSink(config).writer(new SimpleCounter(), new SimpleCounter());
        for (int i = 0; i < 90; i++) {
            w.write(
                    Alert.of(
                            "au-" + i,
                            "card_testing",
                            1,
                            "high",
                            1_764_000_000_000L + i,
                            0L,
                            new String[] {"e" + i},
                            "{}"),
                    null);
        }
        w.flush(false);
        w.close();
        try (UnifiedJedis c = RedisConnections.client(cluster.address(), null, "test", 5000)) {
            for (int i = 0; i < 90; i++) {
                assertThat(c.zcard(RedisKeys.alerts("au-" + i))).isEqualTo(1);
            }
        }
    }

    @Test
    void aClusterUrlIsParsedAndRejectsADatabase() {
        var a = io.portrait.config.RedisAddress.parse("redis-cluster://10.0.0.1:7000", "x");
        assertThat(a.cluster()).isTrue();
        assertThat(a.tls()).isFalse();
        assertThat(a.toString()).isEqualTo("redis-cluster://10.0.0.1:7000");
        assertThat(io.portrait.config.RedisAddress.parse("rediss://h:6380/2", "x").tls()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                io.portrait.config.RedisAddress.parse(
                                        "redis-cluster://h:7000/3", "--redis-url"))
                .hasMessageContaining("only database 0");
    }
}
