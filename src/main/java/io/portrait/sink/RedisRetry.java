package io.portrait.sink;

import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;

/**
 * How the Redis sinks survive an outage: run a write until it succeeds, sleeping with capped
 * exponential backoff between attempts (50 ms doubling to the cap), counting retries and logging
 * the first failure, every 20th, and the recovery. The job keeps running; back-pressure builds.
 */
final class RedisRetry {
    private RedisRetry() {}

    /** One attempt; throws on failure (the caller discards its connection before rethrowing). */
    interface Attempt {
        void run();
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
