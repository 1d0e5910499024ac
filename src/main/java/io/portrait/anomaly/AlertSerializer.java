package io.portrait.anomaly;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Alerts as contract JSON on the alerts topic, keyed by user_id. */
public final class AlertSerializer implements KafkaRecordSerializationSchema<Alert> {
    private static final JsonFactory JSON = new JsonFactory();
    private final String topic;

    public AlertSerializer(String topic) {
        this.topic = topic;
    }

    public static byte[] toJson(Alert a) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("alert_id", a.alertId());
            g.writeStringField("user_id", a.userId());
            g.writeStringField("rule", a.rule());
            g.writeNumberField("rule_version", a.ruleVersion());
            g.writeStringField("severity", a.severity());
            g.writeStringField("ts", Instant.ofEpochMilli(a.ts()).toString());
            g.writeStringField("detected_at", Instant.ofEpochMilli(a.detectedAt()).toString());
            g.writeArrayFieldStart("event_ids");
            for (String id : a.eventIds()) {
                g.writeString(id);
            }
            g.writeEndArray();
            g.writeFieldName("details");
            g.writeRawValue(a.detailsJson());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            Alert a, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic,
                null,
                Math.max(0L, a.ts()),
                a.userId().getBytes(StandardCharsets.UTF_8),
                toJson(a));
    }
}
