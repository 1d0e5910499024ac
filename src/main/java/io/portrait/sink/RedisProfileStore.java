package io.portrait.sink;

import io.portrait.config.RedisAddress;
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
     * Redis Cluster): (epoch, version), then for equal ones the silence tick that may follow the
     * version ({@code "tick":k}, 0 when absent). Returns 1 if written, 0 if the stored document was
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
                    + "      local t = tonumber(string.match(cur, '^{\"epoch\":%d+,\"version\":%d+,\"tick\":(%d+)') or '0')\n"
                    + "      local nt = tonumber(string.match(ARGV[3], '^{\"epoch\":%d+,\"version\":%d+,\"tick\":(%d+)') or '0')\n"
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

    /**
     * KEYS[1] profile key; ARGV[1] the new head of the risk group ({@code "risk":{"score":S,
     * "alerts_30d":N}). Replaces the stored document's risk head, keeping its TTL; a missing
     * document or a tombstone (no risk group) is left alone. Returns 1 if patched.
     */
    public static final String RISK_PATCH_LUA =
            "local cur = redis.call('GET', KEYS[1])\n"
                    + "if not cur then return 0 end\n"
                    + "local s, e = string.find(cur, '\"risk\":{\"score\":[^,]*,\"alerts_30d\":%d+')\n"
                    + "if not s then return 0 end\n"
                    + "redis.call('SET', KEYS[1], string.sub(cur, 1, s - 1) .. ARGV[1] .."
                    + " string.sub(cur, e + 1), 'KEEPTTL')\n"
                    + "return 1\n";

    /**
     * KEYS[1] profile key; ARGV[1] the recommendations group ({@code "recommendations":{…}}).
     * Replaces the stored document's last group if it is the recommendations group, else appends it
     * as the last group, keeping the TTL; a missing document or a tombstone is left alone. Returns
     * 1 if patched.
     */
    public static final String RECOMMENDATIONS_PATCH_LUA =
            "local cur = redis.call('GET', KEYS[1])\n"
                    + "if not cur then return 0 end\n"
                    + "if string.find(cur, '\"erased\":true', 1, true) then return 0 end\n"
                    + "local head = string.sub(cur, 1, -2)\n"
                    + "local from = 1\n"
                    + "while true do\n"
                    + "  local s = string.find(cur, '"
                    + ",\"recommendations\":{\"updated_at\":"
                    + "', from, true)\n"
                    + "  if not s then break end\n"
                    + "  head = string.sub(cur, 1, s - 1)\n"
                    + "  from = s + 1\n"
                    + "end\n"
                    + "redis.call('SET', KEYS[1], head .. ',' .. ARGV[1] .. '}', 'KEEPTTL')\n"
                    + "return 1\n";

    private final RedisAddress address;
    private String patchSha;
    private String recommendationsSha;
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
                patchSha = RedisConnections.loadScript(j, address, password, RISK_PATCH_LUA);
                recommendationsSha =
                        RedisConnections.loadScript(
                                j, address, password, RECOMMENDATIONS_PATCH_LUA);
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
            List<Response<Object>> responses = new ArrayList<>(records.size());
            try (AbstractPipeline p = j.pipelined()) {
                for (ProfileRecord r : records) {
                    if (r.riskPatch()) {
                        responses.add(p.evalsha(patchSha, List.of(r.key()), List.of(r.json())));
                        continue;
                    }
                    if (r.recommendationsPatch()) {
                        responses.add(
                                p.evalsha(recommendationsSha, List.of(r.key()), List.of(r.json())));
                        continue;
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
            for (Response<Object> resp : responses) {
                Object o = resp.get();
                if (o instanceof Long n && n == 1L) {
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
