package io.portrait.testing;

import io.portrait.config.RedisAddress;
import io.portrait.demo.RedisServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of three masters on this machine, from real redis-server processes: slots split
 * in three ranges, nodes introduced with CLUSTER MEET, ready when every node reports {@code
 * cluster_state:ok}.
 */
public final class LocalRedisCluster implements AutoCloseable {
    public static final int SLOTS = 16384;
    public final List<RedisServerProcess> nodes = new ArrayList<>();

    public static LocalRedisCluster start(int masters) throws Exception {
        Path dir = Files.createTempDirectory("portrait-redis-cluster-");
        LocalRedisCluster c = new LocalRedisCluster();
        try {
            for (int i = 0; i < masters; i++) {
                c.nodes.add(
                        RedisServerProcess.start(
                                dir.resolve("node-" + i),
                                List.of(
                                        "--cluster-enabled",
                                        "yes",
                                        "--cluster-config-file",
                                        "nodes.conf",
                                        "--cluster-node-timeout",
                                        "5000")));
            }
            for (int i = 0; i < masters; i++) {
                try (Jedis j = c.jedis(i)) {
                    int from = SLOTS * i / masters;
                    int to = SLOTS * (i + 1) / masters;
                    int[] slots = new int[to - from];
                    for (int s = from; s < to; s++) {
                        slots[s - from] = s;
                    }
                    j.clusterAddSlots(slots);
                    if (i > 0) {
                        j.clusterMeet("127.0.0.1", c.nodes.get(0).port());
                    }
                }
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int i = 0; i < masters; i++) {
                try (Jedis j = c.jedis(i)) {
                    while (!j.clusterInfo().contains("cluster_state:ok")
                            || !j.clusterInfo().contains("cluster_known_nodes:" + masters)) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException(
                                    "Redis Cluster did not form: " + j.clusterInfo());
                        }
                        Thread.sleep(100);
                    }
                }
            }
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    public Jedis jedis(int node) {
        return new Jedis("127.0.0.1", nodes.get(node).port());
    }

    /** The cluster's address as portrait takes it (any node as the seed). */
    public RedisAddress address() {
        return RedisAddress.parse("redis-cluster://127.0.0.1:" + nodes.get(0).port(), "test");
    }

    @Override
    public void close() {
        for (RedisServerProcess n : nodes) {
            n.close();
        }
    }
}
