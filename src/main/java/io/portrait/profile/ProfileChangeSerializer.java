package io.portrait.profile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** {@link ProfileChange}s as contract JSON on {@code portrait.changes}, keyed by user_id. */
public final class ProfileChangeSerializer
        implements KafkaRecordSerializationSchema<ProfileChange> {
    private static final JsonFactory JSON = new JsonFactory();
    private final String topic;

    public ProfileChangeSerializer(String topic) {
        this.topic = topic;
    }

    public static byte[] toJson(ProfileChange c) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("user_id", c.userId());
            g.writeStringField("ts", Instant.ofEpochMilli(c.ts()).toString());
            g.writeStringField("kind", c.kind());
            g.writeFieldName("from");
            if (c.from() == null) {
                g.writeNull();
            } else {
                g.writeRawValue(c.from());
            }
            g.writeFieldName("to");
            if (c.to() == null) {
                g.writeNull();
            } else {
                g.writeRawValue(c.to());
            }
            g.writeNumberField("profile_version", c.profileVersion());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            ProfileChange c, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic,
                null,
                Math.max(0L, c.ts()),
                c.userId().getBytes(StandardCharsets.UTF_8),
                toJson(c));
    }
}
