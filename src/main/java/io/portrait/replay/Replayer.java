package io.portrait.replay;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends a {@link Replay} to a target in file order (the datasets are sorted by event time), either
 * as fast as possible or paced by event time at a speed multiplier, with a progress bar.
 */
public final class Replayer {
    private Replayer() {}

    /** Where replayed records go. */
    public interface Target extends AutoCloseable {
        void send(Replayed r);

        @Override
        void close();
    }

    /** The events topic of a Kafka cluster, keyed by user id. */
    public static Target kafka(String bootstrap, String topic) {
        return kafka(bootstrap, topic, new java.util.Properties());
    }

    /** Producer settings for sending many records fast: acks=all, large lz4 batches. */
    public static Map<String, Object> bulkProducerSettings(String bootstrap) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                "10",
                ProducerConfig.BATCH_SIZE_CONFIG,
                Integer.toString(256 * 1024),
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Integer.toString(2 * 1024 * 1024));
    }

    /** As {@link #kafka(String, String)}, with Kafka client settings (security included). */
    public static Target kafka(String bootstrap, String topic, java.util.Properties client) {
        java.util.Properties p = new java.util.Properties();
        p.putAll(client);
        p.putAll(bulkProducerSettings(bootstrap));
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Delivery delivery = new Delivery(topic);
        return new Target() {
            @Override
            public void send(Replayed r) {
                byte[] key = r.key() == null ? null : r.key().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, r.value()), delivery);
            }

            @Override
            public void close() {
                try {
                    producer.flush();
                    delivery.check();
                } finally {
                    producer.close();
                }
            }
        };
    }

    /** A file of event JSON lines. */
    public static Target file(Path out) {
        try {
            OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
            return new Target() {
                @Override
                public void send(Replayed r) {
                    try {
                        os.write(r.value());
                        os.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void close() {
                    try {
                        os.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param speed 0 = as fast as possible; otherwise event time runs this many times faster than
     *     wall time
     * @param progress where the progress bar goes, or null
     * @return records sent
     */
    public static long run(
            Replay replay,
            Target target,
            double speed,
            long limit,
            BooleanSupplier stop,
            PrintWriter progress)
            throws InterruptedException {
        long sent = 0;
        long startNanos = System.nanoTime();
        long lastBar = 0;
        long firstTs = Long.MIN_VALUE;
        while (sent < limit && !stop.getAsBoolean() && replay.hasNext()) {
            Replayed r = replay.next();
            if (speed > 0 && r.ts() != Long.MIN_VALUE) {
                if (firstTs == Long.MIN_VALUE) {
                    firstTs = r.ts();
                }
                long dueNanos = startNanos + (long) ((r.ts() - firstTs) * 1_000_000d / speed);
                long wait = dueNanos - System.nanoTime();
                if (wait > 1_000_000) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            target.send(r);
            sent++;
            if (progress != null && System.nanoTime() - lastBar > 500_000_000L) {
                lastBar = System.nanoTime();
                bar(progress, replay, sent, startNanos, false);
            }
        }
        if (progress != null) {
            bar(progress, replay, sent, startNanos, true);
        }
        return sent;
    }

    private static void bar(
            PrintWriter out, Replay replay, long sent, long startNanos, boolean done) {
        double p = done && !replay.hasNext() ? 1.0 : replay.progress();
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        out.print("\r" + ProgressBar.line("replay", p, sent, "records", sent / seconds));
        if (done) {
            out.println();
        }
        out.flush();
    }
}
