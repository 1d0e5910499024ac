package io.portrait.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.event.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a {@link DeadLetter} as the DLQ JSON of the contract: {@code {"reason","detail","raw" or
 * "raw_b64","truncated","source":{"topic","partition","offset"},"ts"}}, keyed by user_id when the
 * input had a readable key. The Kafka timestamp is the rejection time.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final JsonFactory JSON = new JsonFactory();
    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    public static byte[] toJson(DeadLetter dl) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("reason", dl.reason());
            g.writeStringField("detail", dl.detail());
            if (dl.raw() != null) {
                g.writeStringField("raw", dl.raw());
            } else {
                g.writeStringField("raw_b64", dl.rawB64());
            }
            g.writeBooleanField("truncated", dl.truncated());
            g.writeObjectFieldStart("source");
            g.writeStringField("topic", dl.sourceTopic());
            g.writeNumberField("partition", dl.sourcePartition());
            g.writeNumberField("offset", dl.sourceOffset());
            g.writeEndObject();
            g.writeStringField("ts", Instant.ofEpochMilli(dl.ts()).toString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter dl, KafkaSinkContext context, Long timestamp) {
        byte[] key = dl.key() == null ? null : dl.key().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, null, Math.max(0L, dl.ts()), key, toJson(dl));
    }
}
