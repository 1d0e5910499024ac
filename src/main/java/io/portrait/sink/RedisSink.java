package io.portrait.sink;

import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisAddress;
import io.portrait.profile.ProfileRecord;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes profile documents to Redis as a Flink Sink V2.
 *
 * <pre>{@code
 * profiles.sinkTo(RedisSink.builder()
 *         .setAddress("redis://localhost:6379")
 *         .setBatchSize(500)
 *         .build())
 *     .uid("redis-sink").name("Redis profiles");
 * }</pre>
 *
 * <p>Delivery is at-least-once and idempotent: the writer flushes its buffer before every
 * checkpoint completes (so a completed checkpoint implies the profiles are in Redis), and every
 * write is a versioned upsert — a Lua script compares the stored document's {@code
 * {"epoch":E,"version":N,} prefix and writes only a newer pair, so a replay after a restore never
 * moves a profile backwards. Writes are pipelined in batches with one batch in flight; a batch is
 * written when full or at most a flush interval after its first profile, and a full buffer blocks
 * the task (back-pressure). While Redis is unreachable the writer retries with
 * capped exponential backoff instead of failing the job. The password, if any, is read on the
 * task manager from {@value RedisAddress#PASSWORD_ENV}.
 */
public final class RedisSink implements Sink<ProfileRecord> {

    private final RedisAddress address;
    private final int batchSize;
    private final Duration flushInterval;
    private final Duration profileTtl;
    private final Duration tombstoneTtl;
    private final Duration maxBackoff;

    private RedisSink(Builder b) {
        this.address = RedisAddress.parse(b.url, "Redis address");
        this.batchSize = b.batchSize;
        this.flushInterval = b.flushInterval;
        this.profileTtl = b.profileTtl;
        this.tombstoneTtl = b.tombstoneTtl;
        this.maxBackoff = b.maxBackoff;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public SinkWriter<ProfileRecord> createWriter(WriterInitContext context) {
        return new RedisSinkWriter(
                new RedisProfileStore(address),
                batchSize,
                flushInterval,
                profileTtl,
                tombstoneTtl,
                maxBackoff,
                context.getProcessingTimeService(),
                context.metricGroup());
    }

    /** Fluent configuration; {@link #build()} checks it and says what to fix. */
    public static final class Builder {
        private String url;
        private int batchSize = 500;
        private Duration flushInterval = Duration.ofMillis(100);
        private Duration profileTtl = Duration.ZERO;
        private Duration tombstoneTtl = Duration.ofDays(7);
        private Duration maxBackoff = Duration.ofSeconds(5);

        private Builder() {}

        /** All settings from the job configuration. */
        public Builder fromConfig(PortraitConfig config) {
            return setAddress(config.redisUrl())
                    .setBatchSize(config.redisBatchSize())
                    .setFlushInterval(config.redisFlushInterval())
                    // Without an explicit TTL, documents expire with the state (retention).
                    .setProfileTtl(
                            config.redisProfileTtl().isZero()
                                    ? config.features().retention()
                                    : config.redisProfileTtl())
                    .setTombstoneTtl(config.redisTombstoneTtl())
                    .setMaxBackoff(config.redisMaxBackoff());
        }

        public Builder setAddress(String url) {
            this.url = url;
            return this;
        }

        public Builder setBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Longest time a partly filled batch waits before it is written. */
        public Builder setFlushInterval(Duration flushInterval) {
            this.flushInterval = flushInterval;
            return this;
        }

        public Builder setProfileTtl(Duration ttl) {
            this.profileTtl = ttl;
            return this;
        }

        public Builder setTombstoneTtl(Duration ttl) {
            this.tombstoneTtl = ttl;
            return this;
        }

        public Builder setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        public RedisSink build() {
            sanityCheck();
            return new RedisSink(this);
        }

        private void sanityCheck() {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException(
                        "RedisSink needs an address: call setAddress(\"redis://host:port\").");
            }
            RedisAddress.parse(url, "RedisSink address");
            if (batchSize < 1 || batchSize > 100_000) {
                throw new IllegalArgumentException(
                        "RedisSink batch size is " + batchSize + "; use 1..100000.");
            }
            if (flushInterval == null || flushInterval.toMillis() < 1) {
                throw new IllegalArgumentException(
                        "RedisSink flush interval must be at least 1 ms.");
            }
            if (profileTtl == null || profileTtl.isNegative()) {
                throw new IllegalArgumentException(
                        "RedisSink profile TTL must be zero (no expiry) or positive.");
            }
            if (tombstoneTtl == null || tombstoneTtl.isZero() || tombstoneTtl.isNegative()) {
                throw new IllegalArgumentException(
                        "RedisSink tombstone TTL must be positive, or an erased profile stays"
                                + " forever.");
            }
            if (maxBackoff == null || maxBackoff.toMillis() < 10) {
                throw new IllegalArgumentException("RedisSink max backoff must be at least 10 ms.");
            }
        }
    }
}
