package io.portrait.replay;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The outcome of asynchronous sends: pass it as the callback of every {@code producer.send}, then
 * call {@link #check} after {@code flush()}. A record the producer gave up on (its delivery timeout
 * passed, e.g. while a new partition had no leader yet) would otherwise vanish without a word — a
 * replay must say how many records did not arrive, never report them as sent.
 */
public final class Delivery implements Callback {
    private final String topic;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> first = new AtomicReference<>();

    public Delivery(String topic) {
        this.topic = topic;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception != null) {
            failed.incrementAndGet();
            first.compareAndSet(null, exception);
        }
    }

    /** Records the producer failed to deliver so far. */
    public long failed() {
        return failed.get();
    }

    /**
     * Throws if any send failed. Call after {@code producer.flush()}, when every callback has run.
     */
    public void check() {
        Exception e = first.get();
        if (e != null) {
            throw new IllegalStateException(
                    failed.get()
                            + " record(s) could not be delivered to Kafka topic "
                            + topic
                            + ": "
                            + e,
                    e);
        }
    }
}
