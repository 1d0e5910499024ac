package io.portrait.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A Kafka record of JSON written with Jackson's streaming generator, keyed by user id, with the
 * record's own time as the Kafka timestamp. Subclasses say how to write one value.
 */
public abstract class JsonRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {
    private static final JsonFactory JSON = new JsonFactory();
    private final String topic;

    protected JsonRecordSerializer(String topic) {
        this.topic = topic;
    }

    /** Writes the value as one JSON object. */
    protected abstract void write(JsonGenerator g, T value) throws IOException;

    /** The record key (a user id), or null. */
    protected abstract String key(T value);

    /** The Kafka timestamp, epoch milliseconds. */
    protected abstract long timestamp(T value);

    public byte[] toJson(T value) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T value, KafkaSinkContext context, Long ts) {
        String key = key(value);
        return new ProducerRecord<>(
                topic,
                null,
                Math.max(0L, timestamp(value)),
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                toJson(value));
    }

    /** Writes a field holding JSON text as raw JSON, or null. */
    protected static void writeRawOrNull(JsonGenerator g, String field, String json)
            throws IOException {
        g.writeFieldName(field);
        if (json == null) {
            g.writeNull();
        } else {
            g.writeRawValue(json);
        }
    }
}
