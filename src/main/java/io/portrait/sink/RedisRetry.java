package io.portrait.sink;

import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * How the Redis sinks survive an outage: run a write until it succeeds, sleeping with capped
 * exponential backoff between attempts (50 ms doubling to the cap), counting retries and logging
 * the first failure, every 20th, and the recovery. The job keeps running; back-pressure builds.
 *
 * <p>Only what time can fix is retried ({@link #isTransient}): a lost or refused connection, a
 * timeout, and the server's own "not now" replies (LOADING, BUSY, TRYAGAIN, CLUSTERDOWN,
 * MASTERDOWN, READONLY during a fail-over, OOM until memory is freed, NOSCRIPT after a restart).
 * Anything else — NOAUTH or WRONGPASS, NOPERM, WRONGTYPE, a script error, a bug — would fail the
 * same way forever, quietly stalling the job behind timed-out checkpoints; it fails the job at once
 * with what to fix, and without a restart loop ({@link SuppressRestartsException}).
 */
final class RedisRetry {
    private RedisRetry() {}

    /** One attempt; throws on failure (the caller discards its connection before rethrowing). */
    interface Attempt {
        void run();
    }

    /** Server replies that mean "not now" (the first word of the error). */
    private static final List<String> NOT_NOW =
            List.of(
                    "LOADING",
                    "BUSY",
                    "TRYAGAIN",
                    "CLUSTERDOWN",
                    "MASTERDOWN",
                    "READONLY",
                    "OOM",
                    "NOSCRIPT");

    /** Whether waiting can fix {@code e}: the first Jedis exception in its cause chain decides. */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JedisAccessControlException) {
                return false;
            }
            if (t instanceof JedisConnectionException
                    || t instanceof JedisClusterOperationException
                    || t instanceof JedisRedirectionException) {
                return true;
            }
            if (t instanceof JedisDataException) {
                String m = t.getMessage() == null ? "" : t.getMessage().trim();
                String first = m.split("\\s", 2)[0];
                return NOT_NOW.contains(first);
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    private static String hint(Throwable e) {
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("NOAUTH") || m.startsWith("WRONGPASS") || m.contains("NOPERM")) {
            return "Check the password (PORTRAIT_REDIS_PASSWORD) and the ACL user's permissions on"
                    + " the portrait: keys and EVALSHA.";
        }
        if (m.startsWith("WRONGTYPE")) {
            return "A key portrait writes holds a value of another type: another application uses"
                    + " the portrait: key space (docs/profile.md).";
        }
        return "See the cause below.";
    }

    static void untilDone(
            Attempt attempt, String what, long maxBackoffMillis, Counter retries, Logger log)
            throws InterruptedException {
        long backoff = 50;
        int failures = 0;
        while (true) {
            try {
                attempt.run();
                if (failures > 0) {
                    log.info("Redis {} succeeds again after {} retries", what, failures);
                }
                return;
            } catch (RuntimeException e) {
                if (!isTransient(e)) {
                    throw new SuppressRestartsException(
                            new IllegalStateException(
                                    "Redis "
                                            + what
                                            + " failed with an error that retrying cannot fix, so"
                                            + " the job stops instead of stalling: "
                                            + e.getMessage()
                                            + ". "
                                            + hint(e),
                                    e));
                }
                failures++;
                retries.inc();
                if (failures == 1 || failures % 20 == 0) {
                    log.warn(
                            "Redis {} failed (attempt {}), retrying in {} ms: {}",
                            what,
                            failures,
                            backoff,
                            e.toString());
                }
                Thread.sleep(backoff);
                backoff = Math.min(maxBackoffMillis, backoff * 2);
            }
        }
    }
}
