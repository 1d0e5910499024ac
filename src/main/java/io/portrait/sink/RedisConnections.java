package io.portrait.sink;

import io.portrait.config.RedisAddress;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/** The one way portrait opens a Redis connection: password from the environment, RESP2. */
public final class RedisConnections {
    private RedisConnections() {}

    public static Jedis open(RedisAddress address, String clientName, int timeoutMillis) {
        return open(address, RedisAddress.passwordFromEnvironment(), clientName, timeoutMillis);
    }

    /** With an explicit password (null for none), for callers that got it from a secret store. */
    public static Jedis open(
            RedisAddress address, String password, String clientName, int timeoutMillis) {
        return new Jedis(
                new HostAndPort(address.host(), address.port()),
                DefaultJedisClientConfig.builder()
                        .password(password)
                        .database(address.database())
                        .connectionTimeoutMillis(Math.min(timeoutMillis, 2000))
                        .socketTimeoutMillis(timeoutMillis)
                        .clientName(clientName)
                        .protocol(RedisProtocol.RESP2)
                        .build());
    }
}
