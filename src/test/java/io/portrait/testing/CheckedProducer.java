package io.portrait.testing;

import io.portrait.replay.Delivery;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The tests' producer: every send is checked, and {@link #flush} and {@link #close} fail the test
 * if any record was not delivered — a test must never count on input that never reached the topic.
 */
public final class CheckedProducer extends KafkaProducer<byte[], byte[]> {
    private final Delivery delivery = new Delivery("(test producer)");

    public CheckedProducer(Map<String, Object> config) {
        super(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** For loading many records fast (benchmarks, fault suites): the replayer's settings. */
    public static CheckedProducer bulk(String bootstrap) {
        return new CheckedProducer(io.portrait.replay.Replayer.bulkProducerSettings(bootstrap));
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        return super.send(
                record,
                (metadata, exception) -> {
                    delivery.onCompletion(metadata, exception);
                    if (callback != null) {
                        callback.onCompletion(metadata, exception);
                    }
                });
    }

    @Override
    public void flush() {
        super.flush();
        delivery.check();
    }

    @Override
    public void close(Duration timeout) {
        try {
            super.flush();
            delivery.check();
        } finally {
            super.close(timeout);
        }
    }
}
