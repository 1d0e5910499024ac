package io.portrait.sink;

import io.portrait.profile.ProfileRecord;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers the newest document per user and writes full batches, a partly filled batch at most a
 * flush interval after its first document, and everything on {@link #flush} (called before each
 * checkpoint barrier is forwarded and at end of input). The buffer is bounded by the batch size: a
 * full buffer is written synchronously, which blocks the task and back-pressures the job instead of
 * growing memory. Failed batches are retried forever with capped exponential backoff; the job keeps
 * running (its checkpoints may time out meanwhile).
 */
final class RedisSinkWriter implements SinkWriter<ProfileRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSinkWriter.class);

    private final RedisProfileStore store;
    private final int batchSize;
    private final long flushIntervalMillis;
    private final ProcessingTimeService timers;
    private boolean flushTimerPending;
    private final long profileTtlSeconds;
    private final long tombstoneTtlSeconds;
    private final long maxBackoffMillis;
    private final Map<String, ProfileRecord> buffer = new LinkedHashMap<>();
    private final Counter written;
    private final Counter stale;
    private final Counter retries;

    RedisSinkWriter(
            RedisProfileStore store,
            int batchSize,
            Duration flushInterval,
            Duration profileTtl,
            Duration tombstoneTtl,
            Duration maxBackoff,
            ProcessingTimeService timers,
            MetricGroup metrics) {
        this.store = store;
        this.batchSize = batchSize;
        this.flushIntervalMillis = flushInterval.toMillis();
        this.timers = timers;
        this.profileTtlSeconds = profileTtl.toSeconds();
        this.tombstoneTtlSeconds = Math.max(1, tombstoneTtl.toSeconds());
        this.maxBackoffMillis = maxBackoff.toMillis();
        this.written = metrics.counter("redisWritten");
        this.stale = metrics.counter("redisStale");
        this.retries = metrics.counter("redisRetries");
        metrics.gauge("redisBuffered", buffer::size);
    }

    @Override
    public void write(ProfileRecord record, Context context) throws InterruptedException {
        // The newest record per key: documents by (epoch, version, revision), lists by arrival.
        ProfileRecord buffered = buffer.get(record.key());
        if (buffered == null || record.recommendations() || record.newerThan(buffered)) {
            buffer.put(record.key(), record);
        }
        if (buffer.size() >= batchSize) {
            writeBuffer();
        } else if (!flushTimerPending && timers != null) {
            // Timer callbacks run in the task's mailbox thread, never beside write().
            flushTimerPending = true;
            timers.registerTimer(
                    timers.getCurrentProcessingTime() + flushIntervalMillis,
                    time -> {
                        flushTimerPending = false;
                        writeBuffer();
                    });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        writeBuffer();
    }

    private void writeBuffer() throws InterruptedException {
        if (buffer.isEmpty()) {
            return;
        }
        RedisRetry.untilDone(
                () -> {
                    RedisProfileStore.BatchResult r =
                            store.write(buffer.values(), profileTtlSeconds, tombstoneTtlSeconds);
                    written.inc(r.written());
                    stale.inc(r.stale());
                    buffer.clear();
                },
                "write of " + buffer.size() + " profiles",
                maxBackoffMillis,
                retries,
                LOG);
    }

    @Override
    public void close() {
        store.close();
    }
}
