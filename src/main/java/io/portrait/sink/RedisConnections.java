package io.portrait.sink;

import io.portrait.config.RedisAddress;
import java.util.Set;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * The one way portrait opens Redis: password from the environment, RESP2, TLS for rediss://. {@link
 * #client} serves a single server and a Redis Cluster alike (hash-slot aware); {@link #open} is one
 * connection to one server, for tools and tests.
 */
public final class RedisConnections {
    private RedisConnections() {}

    public static Jedis open(RedisAddress address, String clientName, int timeoutMillis) {
        return open(address, RedisAddress.passwordFromEnvironment(), clientName, timeoutMillis);
    }

    /** With an explicit password (null for none), for callers that got it from a secret store. */
    public static Jedis open(
            RedisAddress address, String password, String clientName, int timeoutMillis) {
        if (address.cluster()) {
            throw new IllegalArgumentException(
                    address + " is a Redis Cluster; this tool needs a single server.");
        }
        return new Jedis(
                new HostAndPort(address.host(), address.port()),
                config(address, password, clientName, timeoutMillis));
    }

    /** A client of the server or cluster at {@code address}. */
    public static UnifiedJedis client(RedisAddress address, String clientName, int timeoutMillis) {
        return client(address, RedisAddress.passwordFromEnvironment(), clientName, timeoutMillis);
    }

    public static UnifiedJedis client(
            RedisAddress address, String password, String clientName, int timeoutMillis) {
        HostAndPort node = new HostAndPort(address.host(), address.port());
        JedisClientConfig config = config(address, password, clientName, timeoutMillis);
        if (address.cluster()) {
            return RedisClusterClient.builder().nodes(Set.of(node)).clientConfig(config).build();
        }
        return RedisClient.builder().hostAndPort(node).clientConfig(config).build();
    }

    /**
     * Loads a Lua script on every server behind {@code client} (each master of a cluster: EVALSHA
     * goes to the key's node) and returns its SHA-1.
     */
    public static String loadScript(
            UnifiedJedis client, RedisAddress address, String password, String script) {
        if (client instanceof RedisClusterClient cluster) {
            String sha = null;
            for (String node : cluster.getClusterNodes().keySet()) {
                try (Jedis j =
                        new Jedis(
                                HostAndPort.from(node),
                                config(address, password, "portrait-script", 10_000))) {
                    sha = j.scriptLoad(script);
                }
            }
            if (sha == null) {
                throw new IllegalStateException(
                        "the Redis Cluster at " + address + " has no nodes");
            }
            return sha;
        }
        return client.scriptLoad(script);
    }

    private static JedisClientConfig config(
            RedisAddress address, String password, String clientName, int timeoutMillis) {
        return DefaultJedisClientConfig.builder()
                .password(password)
                .database(address.database())
                .ssl(address.tls())
                .connectionTimeoutMillis(Math.min(timeoutMillis, 2000))
                .socketTimeoutMillis(timeoutMillis)
                .clientName(clientName)
                .protocol(RedisProtocol.RESP2)
                .build();
    }
}
