package io.portrait.sink;

import io.portrait.anomaly.Alert;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisAddress;
import io.portrait.config.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;

/**
 * Recent alerts per user in {@code portrait:alerts:<user_id>}: a sorted set of alert JSON scored by
 * event time, trimmed to the newest {@code portrait.redis.alerts-keep} and expiring {@code
 * portrait.redis.alerts-ttl} after the latest alert. Written in pipelined batches flushed before
 * every checkpoint (at-least-once: a replay re-adds the same alert with another {@code
 * detected_at}, which the trim bounds); a failing Redis is retried with capped backoff.
 */
public final class RedisAlertSink implements Sink<Alert> {
    private static final long serialVersionUID = 1L;

    private final RedisAddress address;
    private final int keep;
    private final long ttlSeconds;
    private final long maxBackoffMillis;

    public RedisAlertSink(PortraitConfig config) {
        this.address = RedisAddress.parse(config.redisUrl(), "Redis address");
        this.keep = config.anomaly().redisAlertsKeep();
        this.ttlSeconds = config.anomaly().redisAlertsTtl().toSeconds();
        this.maxBackoffMillis = config.redisMaxBackoff().toMillis();
    }

    @Override
    public SinkWriter<Alert> createWriter(WriterInitContext context) {
        return writer(
                context.metricGroup().counter("redisAlertsWritten"),
                context.metricGroup().counter("redisAlertRetries"));
    }

    SinkWriter<Alert> writer(Counter written, Counter retries) {
        return new Writer(written, retries);
    }

    private final class Writer implements SinkWriter<Alert> {
        private static final Logger LOG = LoggerFactory.getLogger(RedisAlertSink.class);
        private static final int BATCH = 200;
        private final AlertSerializer json = new AlertSerializer("unused");
        private final List<Alert> buffer = new ArrayList<>();
        private final Counter written;
        private final Counter retries;
        private UnifiedJedis jedis;

        Writer(Counter written, Counter retries) {
            this.written = written;
            this.retries = retries;
        }

        @Override
        public void write(Alert alert, Context context) throws InterruptedException {
            buffer.add(alert);
            if (buffer.size() >= BATCH) {
                flush(false);
            }
        }

        @Override
        public void flush(boolean endOfInput) throws InterruptedException {
            if (buffer.isEmpty()) {
                return;
            }
            RedisRetry.untilDone(
                    this::writeBuffer, "write of alerts", maxBackoffMillis, retries, LOG);
        }

        private void writeBuffer() {
            try {
                if (jedis == null) {
                    jedis = RedisConnections.client(address, "portrait-alerts", 10_000);
                }
                List<redis.clients.jedis.Response<Long>> added = new ArrayList<>(buffer.size());
                try (AbstractPipeline p = jedis.pipelined()) {
                    for (Alert a : buffer) {
                        String key = RedisKeys.alerts(a.userId());
                        added.add(
                                p.zadd(
                                        key,
                                        a.ts(),
                                        new String(json.toJson(a), StandardCharsets.UTF_8)));
                        p.zremrangeByRank(key, 0, -(keep + 1));
                        p.expire(key, ttlSeconds);
                    }
                    p.sync();
                }
                for (var r : added) {
                    r.get(); // a pipelined error (WRONGTYPE, OOM…) is thrown here, not by sync()
                }
                written.inc(buffer.size());
                buffer.clear();
            } catch (RuntimeException e) {
                if (jedis != null) {
                    jedis.close();
                    jedis = null;
                }
                throw e;
            }
        }

        @Override
        public void close() {
            if (jedis != null) {
                jedis.close();
            }
        }
    }
}
