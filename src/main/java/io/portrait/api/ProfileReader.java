package io.portrait.api;

import io.portrait.config.RedisAddress;
import io.portrait.config.RedisKeys;
import io.portrait.recommend.RecommendationJson;
import io.portrait.sink.RedisConnections;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Read-only access to the documents the job writes (docs/api.md): one profile, a bounded page of
 * profiles, the segment summary, a user's recent alerts. One pooled client, safe for concurrent
 * requests; nothing here writes.
 */
public final class ProfileReader implements AutoCloseable {

    /** A page of raw profile documents and the cursor of the next page ({@code null}: done). */
    public record Page(List<String> documents, String nextCursor, int scanned) {}

    private final RedisAddress address;
    private final UnifiedJedis jedis;

    public ProfileReader(RedisAddress address, String password) {
        this.address = address;
        this.jedis = RedisConnections.client(address, password, "portrait-api", 2_000);
    }

    public RedisAddress address() {
        return address;
    }

    /**
     * The stored document of a user (a tombstone too), or null, with the user's recommendation list
     * as its {@code recommendations} group.
     */
    public String profile(String userId) {
        return read(jedis, userId);
    }

    /** A user's profile as readers see it (ProfileDocument#withRecommendations). */
    public static String read(UnifiedJedis jedis, String userId) {
        String doc = jedis.get(RedisKeys.profile(userId));
        if (doc == null || doc.contains("\"erased\":true")) {
            return doc;
        }
        return RecommendationJson.compose(doc, jedis.get(RedisKeys.recommendations(userId)));
    }

    public String segments() {
        return jedis.get(RedisKeys.SEGMENTS);
    }

    /**
     * Alerts of a user at or after {@code sinceMillis} (event time), newest first, at most limit.
     */
    public List<String> alerts(String userId, long sinceMillis, int limit) {
        return jedis.zrevrangeByScore(
                RedisKeys.alerts(userId), Double.POSITIVE_INFINITY, sinceMillis, 0, limit);
    }

    public void ping() {
        jedis.ping();
    }

    /**
     * One SCAN step over profile keys from {@code cursor} (Redis's cursor, "0" to start), with the
     * values; a step returns about {@code count} keys. Not on Redis Cluster (a cursor there is per
     * node; see docs/api.md).
     */
    public Page scan(String cursor, int count) {
        if (address.cluster()) {
            throw new UnsupportedOperationException(
                    "listing profiles is not available on Redis Cluster; read them by id");
        }
        ScanResult<String> r =
                jedis.scan(
                        cursor,
                        new ScanParams().match(RedisKeys.PROFILE_PREFIX + "*").count(count));
        List<String> keys = r.getResult();
        List<String> docs = new ArrayList<>(keys.size());
        if (!keys.isEmpty()) {
            for (String doc : jedis.mget(keys.toArray(String[]::new))) {
                if (doc != null) {
                    docs.add(doc);
                }
            }
        }
        String next = r.getCursor();
        return new Page(docs, "0".equals(next) ? null : next, keys.size());
    }

    @Override
    public void close() {
        jedis.close();
    }
}
