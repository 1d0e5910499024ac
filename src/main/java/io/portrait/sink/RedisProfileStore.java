package io.portrait.sink;

import io.portrait.config.RedisAddress;
import io.portrait.config.RedisKeys;
import io.portrait.profile.ProfileRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Redis side of the profile sink: one connection, the versioned-upsert Lua script, and a
 * pipelined batch write. Not thread-safe; one per sink writer.
 */
public final class RedisProfileStore implements AutoCloseable {

    /**
     * KEYS[1] profile key; ARGV epoch, version, document, ttl seconds (0 = none). Compares the
     * stored document's fixed prefix, so it never parses JSON and touches a single key (works on
     * Redis Cluster): (epoch, version), then for equal ones the revision that follows the version
     * ({@code "revision":R}, 0 when absent). Returns 1 if written, 0 if the stored document was
     * equal or newer.
     */
    public static final String UPSERT_LUA =
            "local cur = redis.call('GETRANGE', KEYS[1], 0, 63)\n"
                    + "if cur ~= '' then\n"
                    + "  local e, v = string.match(cur, '^{\"epoch\":(%d+),\"version\":(%d+)[,}]')\n"
                    + "  if e then\n"
                    + "    local ne, nv = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
                    + "    e, v = tonumber(e), tonumber(v)\n"
                    + "    if ne < e or (ne == e and nv < v) then return 0 end\n"
                    + "    if ne == e and nv == v then\n"
                    + "      local t = tonumber(string.match(cur, '^{\"epoch\":%d+,\"version\":%d+,\"revision\":(%d+)') or '0')\n"
                    + "      local nt = tonumber(string.match(ARGV[3], '^{\"epoch\":%d+,\"version\":%d+,\"revision\":(%d+)') or '0')\n"
                    + "      if nt <= t then return 0 end\n"
                    + "    end\n"
                    + "  end\n"
                    + "end\n"
                    + "local ttl = tonumber(ARGV[4])\n"
                    + "if ttl > 0 then\n"
                    + "  redis.call('SET', KEYS[1], ARGV[3], 'EX', ttl)\n"
                    + "else\n"
                    + "  redis.call('SET', KEYS[1], ARGV[3])\n"
                    + "end\n"
                    + "return 1\n";

    private final RedisAddress address;
    private UnifiedJedis jedis;
    private String sha;

    private final String password;

    /** The password comes from the environment ({@value RedisAddress#PASSWORD_ENV}). */
    public RedisProfileStore(RedisAddress address) {
        this(address, RedisAddress.passwordFromEnvironment());
    }

    public RedisProfileStore(RedisAddress address, String password) {
        this.address = address;
        this.password = password;
    }

    private UnifiedJedis connection() {
        if (jedis == null) {
            UnifiedJedis j = RedisConnections.client(address, password, "portrait-sink", 10_000);
            try {
                sha = RedisConnections.loadScript(j, address, password, UPSERT_LUA);
            } catch (RuntimeException e) {
                j.close();
                throw e;
            }
            jedis = j;
        }
        return jedis;
    }

    /** Result of one batch: how many documents landed and how many were older than Redis's. */
    public record BatchResult(int written, int stale) {}

    /**
     * Writes every record in one pipeline round trip. Throws on any connection or server error,
     * after which the connection is discarded; the caller retries the whole batch (idempotent).
     */
    public BatchResult write(
            Collection<ProfileRecord> records, long profileTtlSeconds, long tombstoneTtlSeconds) {
        try {
            UnifiedJedis j = connection();
            List<Response<?>> responses = new ArrayList<>(records.size());
            try (AbstractPipeline p = j.pipelined()) {
                for (ProfileRecord r : records) {
                    if (r.recommendations()) {
                        // A list under its own key: the latest one wins, with the profile's TTL.
                        responses.add(
                                profileTtlSeconds > 0
                                        ? p.setex(r.key(), profileTtlSeconds, r.json())
                                        : p.set(r.key(), r.json()));
                        continue;
                    }
                    if (r.erased()) {
                        // Erase: the user's recommendation list goes with the profile.
                        p.del(RedisKeys.recommendations(r.userId()));
                    }
                    long ttl = r.erased() ? tombstoneTtlSeconds : profileTtlSeconds;
                    responses.add(
                            p.evalsha(
                                    sha,
                                    List.of(r.key()),
                                    List.of(
                                            Long.toString(r.epoch()),
                                            Long.toString(r.version()),
                                            r.json(),
                                            Long.toString(ttl))));
                }
                p.sync();
            }
            int written = 0;
            for (Response<?> resp : responses) {
                Object o = resp.get();
                if ((o instanceof Long n && n == 1L) || "OK".equals(o)) {
                    written++;
                }
            }
            return new BatchResult(written, records.size() - written);
        } catch (JedisNoScriptException e) {
            // The server lost its script cache (restart, SCRIPT FLUSH): reload on the next try.
            discard();
            throw e;
        } catch (RuntimeException e) {
            discard();
            throw e;
        }
    }

    private void discard() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // The connection is already broken; nothing more to release.
            }
            jedis = null;
        }
    }

    @Override
    public void close() {
        discard();
    }
}
